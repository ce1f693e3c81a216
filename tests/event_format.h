// Readable text and exact comparison for commands and events, for the differential test's diff messages.
// Written independently of src/engine so that a formatting bug there cannot hide a divergence here.
//
//   if (!SameEvent(a, b)) std::cerr << ToString(a) << " vs " << ToString(b);
#pragma once

#include <optional>
#include <span>
#include <string>

#include "engine/command.h"
#include "engine/event.h"

namespace sequex::test {

[[nodiscard]] std::string ToString(const Event& event);
[[nodiscard]] std::string ToString(const Command& command);
[[nodiscard]] std::string ToString(std::span<const Event> events);  // one event per line, numbered

// Field-by-field equality (every field of every event type).
[[nodiscard]] bool SameEvent(const Event& a, const Event& b);

// Index of the first differing event, or nullopt when the lists are equal (a list that ends first differs at its
// end).
[[nodiscard]] std::optional<size_t> FirstDifference(std::span<const Event> expected, std::span<const Event> actual);

}  // namespace sequex::test
