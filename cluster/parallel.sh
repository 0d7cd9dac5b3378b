#!/usr/bin/env bash
# The same as cluster/submit.sh on one workstation with GNU parallel: N shards, at most J at a time, then the merge.
#
#   cluster/parallel.sh [-n SHARDS] [-j JOBS] [-o FOLDER] [-d DMFT] -- SWEEP ARGUMENTS...
#
#   -n SHARDS  number of shards (default 4)
#   -j JOBS    shards run at once (default: one per core, GNU parallel's default)
#   -o FOLDER  folder for the shards and the merged result FOLDER/result.csv (default: dmft-sweep)
#   -d DMFT    the dmft executable (default: `command -v dmft`)
# Each shard's output goes to FOLDER/shard-I.log; a failed shard stops the run before the merge (exit status 1).
set -euo pipefail
shards=4 jobs="" folder=dmft-sweep dmft=""
while getopts "n:j:o:d:" option; do
  case $option in
    n) shards=$OPTARG ;;
    j) jobs=$OPTARG ;;
    o) folder=$OPTARG ;;
    d) dmft=$OPTARG ;;
    *) sed -n '4,11p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then echo "cluster/parallel.sh: give the sweep command after --" >&2; exit 2; fi
command -v parallel >/dev/null || { echo "cluster/parallel.sh: GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
dmft=${dmft:-$(command -v dmft || true)}
[ -x "$dmft" ] || { echo "cluster/parallel.sh: no dmft executable (give -d PATH)" >&2; exit 2; }
mkdir -p "$folder"
parallel --halt now,fail=1 ${jobs:+--jobs "$jobs"} \
  "\"$dmft\" $(printf '%q ' "$@") --shard {}/$shards --output \"$folder/shard-{}.csv\" > \"$folder/shard-{}.log\" 2>&1" \
  ::: $(seq 1 "$shards")
inputs=()
for ((i = 1; i <= shards; i++)); do inputs+=("$folder/shard-$i.csv"); done
"$dmft" merge "${inputs[@]}" --output "$folder/result.csv"
