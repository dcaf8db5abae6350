#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer and under ThreadSanitizer (release builds, each in its own
# build folder so the normal build is untouched).
#
#   scripts/sanitizers.sh [address|thread]...     default: both
#
# LeakSanitizer reports a few objects XCTest's own runner never frees at exit (its test-suite tree, not Winnow's
# allocations): scripts/lsan.supp suppresses exactly those, by module.
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
if [ ${#kinds[@]} -eq 0 ]; then kinds=(address thread); fi
export LSAN_OPTIONS="suppressions=$(pwd)/scripts/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1"
for kind in "${kinds[@]}"; do
    echo "== $kind sanitizer"
    swift build -c release --build-tests --sanitize="$kind" --scratch-path ".build-$kind"
    swift test -c release --skip-build --sanitize="$kind" --scratch-path ".build-$kind"
done
