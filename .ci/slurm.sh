#!/usr/bin/env bash
# A real single-node Slurm for CI (issue 15): installs Debian's slurm-wlm and munge, writes a one-node
# configuration on this machine, starts munged, slurmctld and slurmd (no systemd: proctrack/linuxproc, task/none,
# no cgroup.conf), runs a 51 × 16 `dmft network phase-diagram` as a 4-task job array plus a dependent merge job
# (cluster/submit.sh), checks the merged files are byte for byte those of a single-machine run, prints the array
# task ids, and stops the daemons (by their pids) whatever happens.
#
#   bash .ci/slurm.sh [DMFT]     (default DMFT: .build/release/dmft; run as root or with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."
dmft=$(realpath "${1:-.build/release/dmft}")
[ -x "$dmft" ] || { echo "slurm.sh: no dmft at $dmft (build it first)"; exit 1; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
sweep=(network phase-diagram --g-min 0.5 --g-max 2 --g-steps 51 --sigma-max 0.75 --sigma-steps 16)
# SLURM_CI_SWEEP replaces the sweep (words split on spaces), e.g. a smaller one to try the script with a debug build.
if [ -n "${SLURM_CI_SWEEP:-}" ]; then read -r -a sweep <<< "$SLURM_CI_SWEEP"; fi
limit=${SLURM_CI_TIMEOUT:-600}   # seconds the job array and merge may take before the check fails

export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  $SUDO apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null
fi

scratch=$(mktemp -d /tmp/dmft-slurm.XXXXXX)
chmod 755 "$scratch"
host=$(hostname)
cpus=$(nproc)
pids=()
cleanup() {
  status=$?
  for pidfile in "$scratch/slurmd.pid" "$scratch/slurmctld.pid" "$scratch/munge/munged.pid"; do
    if $SUDO test -s "$pidfile"; then
      pid=$($SUDO cat "$pidfile")
      $SUDO kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  if [ $status -ne 0 ]; then
    echo "--- slurmctld.log"; $SUDO tail -n 30 "$scratch/slurmctld.log" 2>/dev/null || true
    echo "--- slurmd.log"; $SUDO tail -n 30 "$scratch/slurmd.log" 2>/dev/null || true
  fi
  $SUDO rm -rf "$scratch"
  exit $status
}
trap cleanup EXIT

# munge: a key readable by the munge user only, its run/state/log folders, the daemon as that user.
$SUDO mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
  $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
$SUDO chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
$SUDO chmod 700 /etc/munge && $SUDO chmod 400 /etc/munge/munge.key
# munged of its own (socket, pid and log in a scratch folder owned by the munge user), so that it disturbs no other.
$SUDO mkdir -p "$scratch/munge"
$SUDO chown munge:munge "$scratch/munge"
$SUDO chmod 700 "$scratch/munge"
socket="$scratch/munge/munge.socket"
$SUDO runuser -u munge -- munged --force --socket="$socket" --pid-file="$scratch/munge/munged.pid" \
  --log-file="$scratch/munge/munged.log" --seed-file="$scratch/munge/munged.seed"
$SUDO chmod 755 "$scratch/munge"
munge --socket="$socket" -n | unmunge --socket="$socket" | grep -q "STATUS: *Success" || { echo "munge does not work"; exit 1; }

# slurm.conf: one node (this machine), root as SlurmUser and SlurmdUser, plugins that need neither systemd nor cgroups.
cat > "$scratch/slurm.conf" <<CONF
ClusterName=dmftci
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6917
SlurmdPort=6918
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$scratch/state" "$scratch/spool"
export SLURM_CONF="$scratch/slurm.conf"
$SUDO env SLURM_CONF="$SLURM_CONF" slurmctld
for _ in $(seq 1 100); do [ -s "$scratch/slurmctld.pid" ] && scontrol ping >/dev/null 2>&1 && break; sleep 0.2; done
$SUDO env SLURM_CONF="$SLURM_CONF" slurmd
for _ in $(seq 1 150); do
  state=$(sinfo -h -N -o "%T" 2>/dev/null | head -n 1)
  [ "$state" = "idle" ] && break
  sleep 0.2
done
sinfo
[ "$(sinfo -h -N -o "%T" | head -n 1)" = "idle" ] || { echo "slurmd did not come up"; exit 1; }

# The sweep on this machine, then the same as a 4-task job array with a dependent merge job.
single="$scratch/single"
mkdir -p "$single"
start=$(date +%s)
"$dmft" "${sweep[@]}" --output "$single/result.csv"
echo "single-machine run: $(( $(date +%s) - start )) s"
start=$(date +%s)
folder="$scratch/array"
timeout "$limit" cluster/submit.sh -w -n 4 -o "$folder" -d "$dmft" -- "${sweep[@]}" | tee "$scratch/submit.log"
echo "job array and merge: $(( $(date +%s) - start )) s"
array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$scratch/submit.log")
echo "array job $array, its tasks (sacct is off; from the task logs):"
grep -h "^array job" "$folder"/slurm-"${array}"_*.out
tasks=$(ls "$folder"/slurm-"${array}"_*.out | wc -l)
[ "$tasks" -eq 4 ] || { echo "expected 4 array tasks, found $tasks"; exit 1; }
for file in result.csv result-transition.csv; do
  cmp "$single/$file" "$folder/$file"
  echo "$file: merged job array output equals the single-machine run byte for byte ($(wc -l < "$folder/$file") lines)"
done
