#!/usr/bin/env bash
# Runs a dmft sweep on a Slurm cluster as a job array, one shard per array task, then a merge job that starts when
# every task has succeeded (afterok). See cluster/README.md.
#
#   cluster/submit.sh [-n SHARDS] [-o FOLDER] [-d DMFT] [-w] -- SWEEP ARGUMENTS...
#
#   -n SHARDS  number of array tasks = shards (default 4)
#   -o FOLDER  folder for the shards, the Slurm logs and the merged result FOLDER/result.csv (default: dmft-sweep)
#   -d DMFT    the dmft executable, as the compute nodes see it (default: `command -v dmft`)
#   -w         wait until the merge job has finished (sbatch --wait) and exit with its status
#   SWEEP ARGUMENTS  a sweep command without --output and --shard, e.g.
#              network phase-diagram --g-min 0.5 --g-max 3 --g-steps 51 --sigma-max 1 --sigma-steps 16
#
# Prints the array job id and the merge job id. Extra sbatch options (partition, account, time limit) go in the
# environment: SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, … (sbatch reads them itself).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=4 folder=dmft-sweep dmft="" wait=""
while getopts "n:o:d:w" option; do
  case $option in
    n) shards=$OPTARG ;;
    o) folder=$OPTARG ;;
    d) dmft=$OPTARG ;;
    w) wait=--wait ;;
    *) sed -n '5,17p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then echo "cluster/submit.sh: give the sweep command after --" >&2; exit 2; fi
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "cluster/submit.sh: -n must be a positive integer" >&2; exit 2; }
dmft=${dmft:-$(command -v dmft || true)}
[ -x "$dmft" ] || { echo "cluster/submit.sh: no dmft executable (give -d PATH)" >&2; exit 2; }
dmft=$(cd "$(dirname "$dmft")" && pwd)/$(basename "$dmft")
mkdir -p "$folder"
folder=$(cd "$folder" && pwd)

array=$(sbatch --parsable --job-name=dmft-shard --array="1-$shards" --ntasks=1 --cpus-per-task=1 \
  --output="$folder/slurm-%A_%a.out" "$here/shard.sbatch" "$folder" "$shards" "$dmft" "$@")
array=${array%%;*}
echo "array job $array: $shards shards of: dmft $*"
merge_status=0
merge=$(sbatch --parsable $wait --job-name=dmft-merge --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --ntasks=1 --cpus-per-task=1 --output="$folder/slurm-merge-%j.out" \
  "$here/merge.sbatch" "$folder" "$shards" "$dmft") || merge_status=$?
merge=${merge%%;*}
echo "merge job $merge (after array job $array succeeds): $folder/result.csv"
exit $merge_status
