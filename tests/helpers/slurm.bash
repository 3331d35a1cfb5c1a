# A real Slurm cluster on this machine, private to a test file: munged
# with its own key and socket, slurmctld, and two slurmd (-N node1,
# node2) on loopback ports, one CPU each, all under one folder. It needs
# root (the daemons run as SlurmUser root), as in the sandbox and CI.
#   setup_file()    { slurm_start "$BATS_FILE_TMPDIR/slurm"; }
#   teardown_file() { slurm_stop "$BATS_FILE_TMPDIR/slurm"; }
# slurm_start exports SLURM_CONF, so srun, sbatch and squeue find the
# cluster; each daemon logs to SLURM_DIR/log/.
# shellcheck shell=bash

SLURM_NODES=(node1 node2)

# _slurm_conf DIR: the cluster's slurm.conf. The steps' processes are
# tracked by process group (no cgroups in a container); jobs that end are
# written to jobcomp.txt, slurmctld's log names each step's nodes, and
# the nodes' task prolog writes a line for each step to tasks.log.
_slurm_conf() {
	local d=$1 host n
	host=$(hostname -s)
	cat <<-EOF
		ClusterName=vt
		SlurmctldHost=$host(127.0.0.1)
		SlurmctldPort=$(free_port)
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		CredType=cred/munge
		AuthInfo=socket=$d/munge/munge.socket
		StateSaveLocation=$d/state
		SlurmdSpoolDir=$d/spool/%n
		SlurmctldPidFile=$d/run/slurmctld.pid
		SlurmdPidFile=$d/run/slurmd.%n.pid
		SlurmctldLogFile=$d/log/slurmctld.log
		SlurmdLogFile=$d/log/slurmd.%n.log
		SlurmctldDebug=verbose
		DebugFlags=Steps
		SlurmdDebug=verbose
		ProctrackType=proctrack/pgid
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		AccountingStorageType=accounting_storage/none
		JobCompType=jobcomp/filetxt
		JobCompLoc=$d/log/jobcomp.txt
		SelectType=select/cons_tres
		SelectTypeParameters=CR_CPU_Memory
		MpiDefault=none
		SwitchType=switch/none
		ReturnToService=2
		SlurmdTimeout=30
		InactiveLimit=0
		KillWait=5
		MinJobAge=2
		TaskProlog=$d/taskprolog
	EOF
	for n in "${SLURM_NODES[@]}"; do
		echo "NodeName=$n NodeHostname=$host NodeAddr=127.0.0.1 Port=$(free_port) CPUs=1 RealMemory=1000 State=UNKNOWN"
	done
	echo "PartitionName=main Nodes=$(IFS=,; echo "${SLURM_NODES[*]}") Default=YES MaxTime=INFINITE State=UP"
}

# _slurm_taskprolog DIR: the nodes' task prolog. It writes the step's line
# to tasks.log, then holds the first try of a step that slurm_hold names
# until slurm_release lets it go: a test can act while that step runs,
# however busy the machine is.
_slurm_taskprolog() {
	printf '#!/bin/sh\nd=%q\n' "$1"
	cat <<-'EOF'
		echo "$SLURM_JOB_ID.$SLURM_STEP_ID $SLURMD_NODENAME $SLURM_JOB_NAME" >>"$d/log/tasks.log"
		h=$d/hold/$SLURM_JOB_NAME
		if [ -e "$h" ] && mkdir "$h.taken" 2>/dev/null; then
			while [ -e "$h" ]; do sleep 0.1; done
		fi
	EOF
}

# slurm_start DIR: start the cluster in DIR (made afresh) and wait until
# both nodes are idle. SLURM_DIR and SLURM_CONF name it.
slurm_start() {
	local d=$1 n i PATH=$PATH:/usr/sbin
	[ "$(id -u)" -eq 0 ] || { echo "slurm_start: needs root" >&2; return 1; }
	rm -rf "$d"
	mkdir -p "$d"/{munge,state,run,log} || return
	chmod 700 "$d/munge"
	for n in "${SLURM_NODES[@]}"; do mkdir -p "$d/spool/$n"; done
	SLURM_DIR=$d
	SLURM_CONF=$d/slurm.conf
	export SLURM_DIR SLURM_CONF
	_slurm_conf "$d" >"$SLURM_CONF" || return
	mkdir -p "$d/hold" || return
	_slurm_taskprolog "$d" >"$d/taskprolog" && chmod 755 "$d/taskprolog" || return
	mungekey -c -k "$d/munge/munge.key" 2>"$d/log/mungekey.log" || return
	munged -f --key-file="$d/munge/munge.key" --socket="$d/munge/munge.socket" \
		--pid-file="$d/run/munged.pid" --log-file="$d/log/munged.log" \
		--seed-file="$d/munge/munged.seed" 3>&- || return
	# The daemons carry VT_SLURM_DIR into every slurmstepd they start, so
	# that slurm_stop finds those too.
	VT_SLURM_DIR=$d slurmctld -i 3>&- || return
	# SLURM_PIN=1: each node's slurmd, and so its steps, on a core of its
	# own, so that a node of one CPU uses no more (scripts/bench-scale).
	local pin=() c=0
	for n in "${SLURM_NODES[@]}"; do
		[ -z "${SLURM_PIN-}" ] || pin=(taskset -c "$((c++ % $(nproc)))")
		VT_SLURM_DIR=$d "${pin[@]}" slurmd -N "$n" 3>&- || return
	done
	for ((i = 0; i < 300; i++)); do
		[ "$(sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | wc -l)" -eq "${#SLURM_NODES[@]}" ] && return 0
		sleep 0.1
	done
	echo "slurm_start: the nodes did not come up (see $d/log/)" >&2
	sinfo -N -l >&2
	return 1
}

# _slurm_pids DIR: every process the cluster in DIR started: the daemons
# by their pid files and by VT_SLURM_DIR, the step daemons (which clear
# their environment) by their folder, and the steps' tasks and the
# clients by SLURM_CONF.
_slurm_pids() {
	local d=$1 f
	for f in "$d"/run/*.pid; do
		[ -s "$f" ] && cat "$f" 2>/dev/null
	done
	grep -lzxE "VT_SLURM_DIR=$d|SLURM_CONF=$d/slurm.conf" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
	find /proc/[0-9]*/cwd -maxdepth 0 -lname "$d/*" 2>/dev/null | cut -d/ -f3
}

# slurm_stop DIR: cancel every job, stop every process the cluster
# started, and check that none is left.
slurm_stop() {
	local d=$1 pids i p
	[ -e "$d/slurm.conf" ] || return 0
	SLURM_CONF=$d/slurm.conf scancel -u root 2>/dev/null
	# This shell's own children must not look like the cluster's.
	local SLURM_CONF
	unset SLURM_CONF
	# A step daemon whose slurmd was killed may outlive SIGTERM.
	for ((i = 0; i < 60; i++)); do
		mapfile -t pids < <(_slurm_pids "$d" | sort -un | while read -r p; do
			[ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] && kill -0 "$p" 2>/dev/null && echo "$p"
		done)
		((${#pids[@]} == 0)) && return 0
		kill "$([ "$i" -lt 50 ] && echo -TERM || echo -KILL)" "${pids[@]}" 2>/dev/null
		sleep 0.1
	done
	echo "slurm_stop: cannot stop ${pids[*]}" >&2
	return 1
}

# slurm_steps: one line "JOBID.STEP NODE..." for each job step that
# slurmctld created, from its log, independent of vt's own records.
slurm_steps() {
	sed -n 's/.*_slurm_rpc_job_step_create: \(StepId=\)\{0,1\}JobId=\([0-9]*\) StepId=\([0-9]*\) \([^ ]*\) .*/\2.\3 \4/p' \
		"$SLURM_DIR/log/slurmctld.log"
}

# slurm_tasks [JOB]: one line "JOBID.STEP NODE NAME" for each job step that
# a node started (of JOB only, if given), from the nodes' task prolog.
slurm_tasks() {
	awk -v j="${1-}" 'j == "" || index($1, j ".") == 1' "$SLURM_DIR/log/tasks.log" 2>/dev/null
}

# slurm_jobs: one line "JOBID NAME STATE EXITCODE NODELIST" for each job
# that ended, from the job completion file.
slurm_jobs() {
	sed -nE 's/^JobId=([0-9]+) .* Name=(.*) JobState=([A-Z_]+) .* NodeList=([^ ]*) .* ExitCode=([0-9:]+) .*/\1 \2 \3 \5 \4/p' \
		"$SLURM_DIR/log/jobcomp.txt" 2>/dev/null
}

# slurm_hold NAME...: the first try of each step NAME (a job name, as
# srun -J gives it) waits, once started, until slurm_release NAME.
slurm_hold() {
	local n
	for n in "$@"; do
		rm -rf "$SLURM_DIR/hold/$n.taken" && touch "$SLURM_DIR/hold/$n" || return
	done
}

slurm_release() {
	local n
	for n in "$@"; do
		rm -f "$SLURM_DIR/hold/$n"
	done
}

# slurm_await_task NAME [N [AFTER]]: wait until a node has started the
# Nth try (default 1) of step NAME, counting from line AFTER of the task
# log (default 0; slurm_tasks | wc -l marks where a run starts), and
# print its "JOBID.STEP NODE". The bound is for a cluster that is broken,
# not busy.
slurm_await_task() {
	local i t
	for ((i = 0; i < 1800; i++)); do
		t=$(slurm_tasks | tail -n +$((${3:-0} + 1)) | awk -v n="$1" '$3 == n' | sed -n "${2:-1}p")
		[ -z "$t" ] || { echo "${t% *}"; return 0; }
		sleep 0.1
	done
	echo "slurm_await_task: no try ${2:-1} of $1 started" >&2
	return 1
}

# slurm_await_idle: wait until the nodes are all back and idle, and the
# queue is empty of jobs and steps: a job that ended leaves it once its
# nodes have cleaned up (MinJobAge).
slurm_await_idle() {
	local i
	for ((i = 0; i < 1800; i++)); do
		[ "$(sinfo -h -N -r -t idle -o %N | sort -u | wc -l)" -eq "${#SLURM_NODES[@]}" ] &&
			[ -z "$(squeue -h)$(squeue -h -s)" ] && return 0
		sleep 0.1
	done
	echo "slurm_await_idle: nodes $(sinfo -h -N -o '%N:%t' | paste -sd' '), queue: $(squeue -h | paste -sd' '), steps: $(squeue -h -s | paste -sd' ')" >&2
	return 1
}
