#!/usr/bin/env bash
# Builds the fuzzer (libFuzzer + AddressSanitizer) over WinnowCore's sources and runs it.
#
#   fuzz/run.sh [SECONDS] [JOBS] [TARGET...]    default: 60 seconds, 1 job, all targets mixed
#
# With TARGETs (pipeline gzip jsonl cleaner tokenizer sentences detect warc utf8 zstd, or "each" for all of them), each
# target runs on its own for SECONDS, one after the other, and its number of executions is printed.
#
# Findings (crashing inputs) are written to fuzz/findings/; the corpus grows in .build-fuzz/corpus, starting
# from fuzz/seeds (excerpts of ../shared/corpus, first byte = target). Exit status 1 on a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
if [ "${targets[*]:-}" = "each" ]; then targets=(pipeline gzip jsonl cleaner tokenizer sentences detect warc utf8 zstd); fi
mkdir -p .build-fuzz/corpus fuzz/findings
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name WinnowFuzz \
    -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap -I Sources/CZlib -lz \
    -Xcc -fmodule-map-file=Sources/CDeflate/module.modulemap -I Sources/CDeflate -ldeflate \
    -Xcc -fmodule-map-file=Sources/CZstd/module.modulemap -I Sources/CZstd -lzstd \
    -Xcc -fmodule-map-file=Sources/CSIMD/module.modulemap -I Sources/CSIMD \
    $(find Sources/WinnowCore -name '*.swift') fuzz/FuzzTargets.swift \
    -o .build-fuzz/winnow-fuzz 2> >(grep -v "Cannot export local symbol" >&2)
# Run from .build-fuzz: libFuzzer writes its per-job logs (fuzz-N.log) into the working folder.
root=$(pwd)
run() { # $1: target name or "" for all
    rm -f .build-fuzz/fuzz-*.log
    (cd .build-fuzz && mkdir -p "corpus${1:+-$1}" && WINNOW_FUZZ_TARGET="$1" ./winnow-fuzz "corpus${1:+-$1}" "$root/fuzz/seeds" \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -jobs="$jobs" -workers="$jobs" -artifact_prefix="$root/fuzz/findings/${1:+$1-}" -print_final_stats=1 2>&1 \
        | grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY|invariant|Test unit written" || true)
    if [ "$jobs" -gt 1 ]; then
        grep -h "stat::number_of_executed_units" .build-fuzz/fuzz-*.log 2>/dev/null \
            | awk -v t="${1:-all}" '{s += $2} END {if (s) print "fuzz:", t, "executions in all jobs:", s}'
    fi
}
if [ ${#targets[@]} -eq 0 ]; then
    run ""
else
    for target in "${targets[@]}"; do echo "fuzz: target $target for ${seconds} s"; run "$target"; done
fi
# (`ls` of the three patterns failed unless all three kinds were present, so a crash alone went unreported.)
if [ -n "$(find fuzz/findings -name '*crash-*' -o -name '*timeout-*' -o -name '*oom-*')" ]; then
    echo "fuzz: findings in fuzz/findings/"
    exit 1
fi
echo "fuzz: no findings in ${seconds} s"
