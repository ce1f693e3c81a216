// Anchors the header-only common library so it is a real target.
#include "common/flat_index.h"
#include "common/state_hasher.h"
#include "common/types.h"
