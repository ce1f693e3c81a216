#!/usr/bin/env bash
# Style gates (STYLE.md: "clang-format and clang-tidy clean"), against the release build's compile_commands.json.
#
#   scripts/lint.sh          every tracked C++ file as .clang-format formats it; clang-tidy over src/'s code
#                            (the non-test translation units, about 40) without the static analyzer's
#                            clang-analyzer-* checks, which take 60-75% of the time: what CI runs, about 2 minutes
#                            on 2 cores
#   scripts/lint.sh --all    the same with every check of .clang-tidy, the analyzer's too, over every translation
#                            unit: tests, benchmarks and tools as well (`make tidy`; about 15 minutes on 2 cores)
#
# .clang-tidy makes every finding an error. Exit 0 only when both gates pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scope=src
checks=-clang-analyzer-*
if [ "${1:-}" = "--all" ]; then
  scope=all
  checks=
fi
[ -f build/release/compile_commands.json ] || { cmake --preset release >/dev/null; }

mapfile -t sources < <(git ls-files '*.cc' '*.h')
echo "lint: clang-format on ${#sources[@]} files"
if ! clang-format --dry-run -Werror "${sources[@]}"; then
  echo "lint: not formatted as .clang-format says; fix with: clang-format -i \$(git ls-files '*.cc' '*.h')" >&2
  exit 1
fi

# run-clang-tidy takes each name as a regular expression over the database's paths; a full path matches itself.
mapfile -t units < <(grep -o '"file": *"[^"]*"' build/release/compile_commands.json | sed 's/^"file": *"//; s/"$//' |
  sort -u)
if [ "$scope" = src ]; then
  mapfile -t units < <(printf '%s\n' "${units[@]}" | grep '/src/' | grep -v -e '_test\.cc$' -e '_benchmark\.cc$')
fi
echo "lint: clang-tidy on ${#units[@]} translation units${checks:+ (checks $checks)}"
log=$(mktemp)
if ! run-clang-tidy -p build/release -j "$(nproc)" -quiet ${checks:+"-checks=$checks"} "${units[@]}" >"$log" 2>&1; then
  grep -E "(warning|error):" "$log" | sort -u >&2
  rm -f "$log"
  echo "lint: clang-tidy found the above" >&2
  exit 1
fi
rm -f "$log"
echo "lint: clean"
