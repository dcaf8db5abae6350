#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer and under ThreadSanitizer (release builds, each in its own
# build folder so the normal build is untouched). There is no UndefinedBehaviorSanitizer run: swiftc refuses
# -sanitize=undefined for x86_64 Linux; Swift code traps on overflow and out-of-bounds access by itself.
#
#   scripts/sanitizers.sh [address|thread]...     default: both
#
# LeakSanitizer reports objects that test harnesses (XCTest, Foundation.Process) keep until exit and Swift's
# weak-reference side tables, whose pointers it cannot see: scripts/lsan.supp lists those, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
if [ ${#kinds[@]} -eq 0 ]; then kinds=(address thread); fi
export LSAN_OPTIONS="suppressions=$(pwd)/scripts/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1"
for kind in "${kinds[@]}"; do
    echo "== $kind sanitizer"
    # Tests that measure memory skip that check; waits last this many times longer.
    if [ "$kind" = thread ]; then export WINNOW_SANITIZER=10; else export WINNOW_SANITIZER=3; fi
    swift build -c release --build-tests --sanitize="$kind" --scratch-path ".build-$kind"
    swift test -c release --skip-build --sanitize="$kind" --scratch-path ".build-$kind"
done
