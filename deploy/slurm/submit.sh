#!/bin/bash
# Submits a sharded winnow backfill: an array of N tasks over IN, then `winnow dedup OUT` once they all succeed.
#
#   deploy/slurm/submit.sh IN OUT N [sbatch options…]
#
# Prints the two job ids. Run it again after a failure: the tasks skip what is already done.
set -euo pipefail
in=${1:?usage: submit.sh IN OUT N}
out=${2:?usage: submit.sh IN OUT N}
n=${3:?usage: submit.sh IN OUT N}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable --array=0-$((n - 1)) "$@" "$here/winnow-array.sbatch" "$in" "$out")
dedup=$(sbatch --parsable --dependency=afterok:"$array" --job-name=winnow-dedup --cpus-per-task=1 --mem=4G "$@" \
    --output="winnow-dedup-%j.log" --wrap "${WINNOW:-winnow} dedup '$out'")
echo "$array $dedup"
