#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, to try the workflow's SLURM profile for real:
#
#   sudo scripts/slurm-localhost.sh start     # install (Debian/Ubuntu packages) and start
#   snakemake --profile profiles/slurm
#   sudo scripts/slurm-localhost.sh stop      # stop every daemon this script started
#   scripts/slurm-localhost.sh status
#
# `start` installs slurmctld, slurmd, slurm-client and munge with apt-get when they are missing,
# writes a minimal slurm.conf for this host (one node with its real CPUs and memory, one default
# partition, no accounting database: sacct has nothing to report, so the profile asks squeue),
# starts munged (unless one already runs), slurmctld and slurmd, and waits until the node
# accepts jobs. The configuration goes where every SLURM command looks for it,
# /etc/slurm/slurm.conf (the executor plugin's job steps drop SLURM_CONF, so another path would
# not reach them); the script refuses to overwrite one it did not write, and `stop` removes its
# own. Everything else goes to $RLP_SLURM_DIR (default /tmp/rlp-slurm). The daemons it started
# are recorded in $RLP_SLURM_DIR/started, and `stop` stops those and only those.
# It needs root (apt-get, daemons running jobs as any user).
# Exit status: 0 done; 1 usage; 2 not root; 3 SLURM cannot be installed; 4 a daemon did not start.
set -euo pipefail

DIR="${RLP_SLURM_DIR:-/tmp/rlp-slurm}"
CONF=/etc/slurm/slurm.conf
MARK="# Written by scripts/slurm-localhost.sh"
STARTED="$DIR/started"
PACKAGES=(slurmctld slurmd slurm-client munge)

say() { printf 'slurm-localhost: %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    say "must run as root (it installs packages and starts the SLURM daemons); try: sudo $0 $1"
    exit 2
  fi
}

install_packages() {
  local missing=()
  for command in slurmctld slurmd sbatch munged; do
    command -v "$command" >/dev/null 2>&1 || missing+=("$command")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${missing[*]} and no apt-get to install ${PACKAGES[*]} (Debian/Ubuntu only)"
    exit 3
  fi
  say "installing ${PACKAGES[*]} with apt-get (missing: ${missing[*]}) ..."
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; } >"$DIR/apt.log" 2>&1; then
    say "apt-get could not install ${PACKAGES[*]}; see $DIR/apt.log"
    exit 3
  fi
}

write_conf() {
  local host node
  host="$(hostname -s)"
  # slurmd -C prints this machine's node line (CPUs, sockets, cores, memory) as SLURM sees it;
  # using it keeps the node from being drained for announcing resources it does not have.
  node="$(slurmd -C | head -n 1)"
  if [ -e "$CONF" ] && ! head -n 1 "$CONF" | grep -qF "$MARK"; then
    say "$CONF exists and was not written by this script: SLURM is already set up here; use it"
    exit 4
  fi
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$(dirname "$CONF")"
  cat >"$CONF" <<CONF
$MARK: one node ($host), one partition, no accounting (state in $DIR).
ClusterName=rlp-localhost
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups (containers, workstations without the cgroup setup): track jobs by process group.
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# No accounting database: sacct has nothing, squeue reports the jobs. Finished jobs stay in
# squeue for MinJobAge seconds, long enough for Snakemake's status checks to see them end.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
SchedulerParameters=sched_interval=1
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

# The pid of a daemon from its pid file, if that process still runs.
running_pid() {
  local file="$1" pid
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start_munge() {
  if pgrep -x munged >/dev/null 2>&1; then
    say "munged already runs; using it"
    return 0
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null 2>&1; then mungekey --create --keyfile /etc/munge/munge.key; else
      dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/rlp-munged.pid
  for _ in $(seq 50); do [ -s /run/munge/rlp-munged.pid ] && break; sleep 0.1; done
  echo "munged /run/munge/rlp-munged.pid" >>"$STARTED"
}

start_daemon() {
  local name="$1" pidfile="$DIR/$1.pid"
  if running_pid "$pidfile" >/dev/null; then
    say "$name already runs (from an earlier start)"
    return 0
  fi
  "/usr/sbin/$name" -f "$CONF"
  for _ in $(seq 100); do running_pid "$pidfile" >/dev/null && break; sleep 0.1; done
  if ! running_pid "$pidfile" >/dev/null; then
    say "$name did not start; see $DIR/log/$name.log"
    exit 4
  fi
  echo "$name $pidfile" >>"$STARTED"
}

start() {
  need_root start
  mkdir -p "$DIR"
  install_packages
  if [ -s "$STARTED" ] && running_pid "$DIR/slurmctld.pid" >/dev/null; then
    say "already started (see $STARTED)"
  else
    : >"$STARTED"
    write_conf
    start_munge
    start_daemon slurmctld
    start_daemon slurmd
  fi
  # The node comes up "unknown" and turns "idle" at slurmd's first registration.
  for _ in $(seq 150); do
    state="$(sinfo --noheader -o %t 2>/dev/null | head -n 1 || true)"
    case "$state" in idle*|mix*|alloc*) break ;; esac
    sleep 0.2
  done
  if ! sinfo --noheader -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
    say "the node is not ready (sinfo says '${state:-nothing}'); see $DIR/log/"
    exit 4
  fi
  say "ready: $(sinfo --noheader -o '%P %D node(s) %c CPUs %m MB %t')"
}

stop() {
  need_root stop
  [ -s "$STARTED" ] || { say "nothing to stop ($STARTED is absent or empty)"; return 0; }
  # Stop in the reverse order of starting: slurmd, slurmctld, then munged.
  tac "$STARTED" | while read -r name pidfile; do
    if pid="$(running_pid "$pidfile")"; then
      kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
      say "stopped $name (pid $pid)"
    fi
  done
  : >"$STARTED"
  if [ -e "$CONF" ] && head -n 1 "$CONF" | grep -qF "$MARK"; then rm -f "$CONF"; say "removed $CONF"; fi
}

status() {
  for name in slurmctld slurmd; do
    if pid="$(running_pid "$DIR/$name.pid")"; then say "$name runs (pid $pid)"; else say "$name does not run"; fi
  done
  if [ -f "$CONF" ] && command -v sinfo >/dev/null 2>&1; then sinfo || true; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status   (state in \$RLP_SLURM_DIR, default /tmp/rlp-slurm)" >&2; exit 1 ;;
esac
