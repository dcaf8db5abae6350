#!/usr/bin/env bash
# A sharded backfill on a real (one-node) Slurm: deploy/slurm/submit.sh over the BBC set with 4 shards, then
# checks that every input has exactly one output, the manifests list them all, `winnow dedup` finds the
# repeated articles across shards (with the tasks' own marks, the same 157 pairs as one unsharded run), and a
# re-submission with --skip-existing processes nothing. Needs root (../shared/tools/slurm-local.sh installs and
# starts slurmctld, slurmd and munge when missing). WINNOW_BIN_DIR names the build folder to use (default: the
# release build's).
#
#   bash scripts/test-slurm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
corpus=$(readlink -f ../shared/corpus/clean/bbc)
cluster=$(mktemp -d)
out=$(mktemp -d)/out
export WINNOW="${WINNOW_BIN_DIR:-$(swift build -c release --show-bin-path)}/winnow"
step() { echo "test-slurm: $*"; }
fail() { echo "test-slurm: FAILED: $*" >&2; tail -n 20 "$cluster"/winnow-*.log >&2 || true; exit 1; }

step "starting a one-node Slurm"
../shared/tools/slurm-local.sh "$cluster" start >/dev/null
trap '../shared/tools/slurm-local.sh "$cluster" stop >/dev/null 2>&1 || true' EXIT
eval "$(../shared/tools/slurm-local.sh "$cluster" env)"

wait_for() { # job ids: until none is in the queue (sacct does not work here)
    for _ in $(seq 600); do
        queued=$(squeue -h -j "$(echo "$@" | tr ' ' ,)" -o '%i %r' 2>/dev/null || true)
        [ -z "$queued" ] && return 0
        echo "$queued" | grep -q DependencyNeverSatisfied && fail "a task failed: $queued"
        sleep 1
    done
    fail "jobs $* still queued after 10 minutes"
}

step "submitting 4 shards and the dedup pass"
ids=$(cd "$cluster" && "$root/deploy/slurm/submit.sh" "$corpus" "$out" 4 --chdir="$cluster")
wait_for $ids
inputs=$(find "$corpus" -type f -not -name '.*' | wc -l)
outputs=$(find "$out" -name '*.jsonl.gz' -not -path '*/_*' | wc -l)
[ "$inputs" = "$outputs" ] || fail "$inputs inputs but $outputs outputs"
[ "$(cat "$out"/_manifest/shard-*-of-4.jsonl | wc -l)" = "$inputs" ] || fail "the manifests do not list every input once"
[ -s "$out/_dedup/duplicates.jsonl" ] || fail "winnow dedup did not run"

step "the repeats found across shards and within them are those of one unsharded run"
"$WINNOW" process "$corpus" --out "$cluster/one" --quiet
python3 - "$cluster/one" "$out" <<'PYTHON'
import glob, gzip, json, sys
def marks(folder):
    records = [json.loads(line) for path in glob.glob(folder + "/**/*.jsonl.gz", recursive=True)
               if "/_" not in path[len(folder):] for line in gzip.open(path, "rt")]
    first = {}
    for record in sorted(records, key=lambda r: r["source"]["file"]):
        first.setdefault(record["id"], record["source"]["file"])
    pairs = {(r["source"]["file"], first[r["duplicate"]["of"]]) for r in records if "duplicate" in r}
    return pairs, first
one, _ = marks(sys.argv[1])
sharded, first = marks(sys.argv[2])
for line in open(sys.argv[2] + "/_dedup/duplicates.jsonl"):
    d = json.loads(line)
    sharded.add((d["input"], first[d["duplicate_of"]]))
if one != sharded or len(one) != 157:
    sys.exit(f"one run: {len(one)} pairs, sharded: {len(sharded)}, in common {len(one & sharded)}")
print(f"test-slurm: {len(one)} repeated pairs, the same both ways")
PYTHON

step "a re-submission processes nothing"
ids=$(cd "$cluster" && "$root/deploy/slurm/submit.sh" "$corpus" "$out" 4 --chdir="$cluster")
wait_for $ids
processed=$(cat "$out"/_manifest/shard-*-of-4.jsonl | grep -c '"status":"processed"' || true)
[ "$processed" = 0 ] || fail "$processed inputs processed again"
step "ok"
