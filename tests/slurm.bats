#!/usr/bin/env bats
# LAUNCH=slurm: the VOD job's heavy steps run as Slurm job steps
# (pipelines/launch), on a real two-node cluster on this machine
# (helpers/slurm). What ran where is read from Slurm's own records: the
# nodes' task prolog, slurmctld's log and the job completion file.

load test_helper
load helpers/slurm

setup_file() {
	S=$BATS_FILE_TMPDIR
	fixtures clip.mp4 text.mp4 || return
	slurm_start "$S/slurm" || return
	# The same job here, then in a two-node allocation; a bad source
	# outside of one, where each step asks for an allocation of its own.
	pipeline local "$(fixture clip.mp4)" RES=180p,90p
	export -f vod vod_make pipeline
	salloc -Q -N 2 -J vod bash -c 'pipeline cluster "$1" RES=180p,90p LAUNCH=slurm' _ "$(fixture clip.mp4)" </dev/null
	pipeline text "$(fixture text.mp4)" RES=90p LAUNCH=slurm </dev/null
}

# A test that failed lets its held steps go, so that its run ends.
teardown() {
	find "$SLURM_DIR/hold" -maxdepth 1 -type f -delete
}

teardown_file() {
	slurm_stop "$BATS_FILE_TMPDIR/slurm"
}

# vod_job: the allocation's job id: the job of the first chunk's step.
vod_job() {
	slurm_tasks | awk '$3 == "c00000" { sub(/\..*/, "", $1); print $1; exit }'
}

# cluster_bg NAME [SALLOC_OPTION...]: the cluster run again, as NAME, in the
# background, in a two-node allocation of its own; its process group's id
# (make's) is written to NAME.pgid, its steps' scratch folders go to
# scratch/.
cluster_bg() {
	local name=$1
	shift
	mkdir -p scratch
	TMPDIR=$PWD/scratch salloc -Q -N 2 -J "$name" "$@" bash -c 'echo $$ >"$1.pgid"; pipeline "$1" "$2" RES=180p,90p LAUNCH=slurm' \
		_ "$name" "$(fixture clip.mp4)" </dev/null 3>&- &
}

# left_nothing: no job running or waiting, none left in the queue once
# Slurm has cleaned up, no step either, and no scratch folder.
left_nothing() {
	assert_equal "" "$(squeue -h -t pending,running,suspended)"
	slurm_await_idle
	assert_equal "" "$(ls -A scratch)"
}

# launch ARGS...: pipelines/launch with LAUNCH=slurm.
launch() {
	LAUNCH=slurm "$VT_ROOT/pipelines/launch" "$@"
}

@test "slurm: the test cluster has two nodes of one CPU, both answering" {
	run sinfo -h -N -r -o '%N %c'
	assert_success
	assert_equal "node1 1"$'\n'"node2 1" "$output"
}

@test "slurm: in an allocation, every chunk encode ran as a job step, on both nodes" {
	built cluster
	local job chunks steps nodes
	job=$(vod_job)
	[ -n "$job" ] || flunk "no step c00000 in the nodes' task logs"
	chunks=$(jq -r '.chunks[].index | "c" + ("0000" + tostring)[-5:]' "$OUT/.work/chunks.json" | sort)
	[ "$(wc -l <<<"$chunks")" -ge 2 ] || flunk "only one chunk"
	steps=$(slurm_tasks "$job" | awk '$3 ~ /^c[0-9]+$/ { print $3 }' | sort)
	assert_equal "$chunks" "$steps"
	nodes=$(slurm_tasks "$job" | awk '$3 ~ /^c[0-9]+$/ { print $2 }' | sort -u | paste -sd' ')
	assert_equal "node1 node2" "$nodes"
	# The other heavy steps too, each once.
	assert_equal "audio hls probe split" "$(slurm_tasks "$job" | awk '$3 !~ /^c[0-9]+$/ { print $3 }' | sort | paste -sd' ')"
	# slurmctld placed each step where the node says it ran.
	assert_equal "$(slurm_tasks "$job" | cut -d' ' -f1,2 | sort)" "$(slurm_steps | grep "^$job\." | sort)"
}

@test "slurm: the ladder is byte for byte the one made locally" {
	built cluster
	assert_same_job "$S/local" "$S/cluster"
}

@test "slurm: each step's record says where it ran, in one try" {
	built cluster
	local job f n
	job=$(vod_job)
	assert_equal "$(slurm_tasks "$job" | awk '{ print $3 }' | sort | paste -sd' ')" \
		"$(cat "$OUT"/.work/launch/*.json | jq -r .name | sort | paste -sd' ')"
	for f in "$OUT"/.work/launch/*.json; do
		n=$(jq -r .name "$f")
		assert_json "$f" ".tries == 1 and .exit == 0 and .seconds > 0 and (.step | startswith(\"$job.\"))"
		assert_equal "$(slurm_tasks "$job" | awk -v n="$n" '$3 == n { print $1, $2 }')" "$(jq -r '.step + " " + .node' "$f")"
	done
	# A chunk of two rungs wants 2 CPUs and 2G; a node has 1 and 1000M.
	assert_json "$OUT/.work/launch/c00000.json" '.cpus == 1 and .mem_mb == 1000'
}

@test "slurm: job.json gathers the steps' records and sums them up, here and on the cluster" {
	local run n
	for run in cluster local; do
		built "$run"
		n=$([ "$run" = cluster ] && echo 2 || echo 1)
		assert_equal "$(jq -sc 'sort_by(.name)' "$OUT"/.work/launch/*.json)" "$(jq -c .steps "$OUT/job.json")"
		assert_json "$OUT/job.json" '(.summary | keys_unsorted) == ["steps", "tries", "retried", "nodes", "cpu_seconds", "step_seconds"]'
		assert_json "$OUT/job.json" "(keys_unsorted | last) == \"summary\" and .summary.nodes == $n
			and .summary.steps == (.steps | length) and .summary.tries == .summary.steps and .summary.retried == []
			and .summary.cpu_seconds > 0 and (.summary.cpu_seconds - ([.steps[].cpu_seconds] | add) | fabs) < 0.002"
	done
	# Here, every step ran on this host, not as a Slurm step.
	assert_equal "$(hostname)" "$(jq -r '[.steps[].node] | unique | join(" ")' "$OUT/job.json")"
	assert_json "$OUT/job.json" 'all(.steps[]; .step == null and .overhead_seconds == 0 and .tries == 1)'
}

@test "slurm: a step's CPU seconds are its processes' own, measured where they ran, not its wall time" {
	# burn: uses half a second of CPU, however busy the machine.
	local burn='while read -ra s </proc/$$/stat && ((s[13] + s[14] < 50)); do :; done' mode
	for mode in local slurm; do
		rm -rf rec
		LAUNCH=$mode LAUNCH_RECORDS=$PWD/rec "$VT_ROOT/pipelines/launch" io 1 100M burn -- bash -c "$burn" || flunk "$mode: burn failed"
		LAUNCH=$mode LAUNCH_RECORDS=$PWD/rec "$VT_ROOT/pipelines/launch" io 1 100M idle -- sleep 1 || flunk "$mode: sleep failed"
		assert_json rec/burn.json '.cpu_seconds >= 0.5 and .cpu_seconds < 0.8'
		assert_json rec/idle.json '.seconds >= 1 and .cpu_seconds < 0.2'
	done
	# On the cluster, the time spent before the command started is told apart.
	assert_json rec/idle.json '.overhead_seconds > 0 and .step != null'
}

@test "slurm: launch refuses a bad LAUNCH, CPUS, MEM or RETRIES before running anything" {
	local bad
	for bad in "LAUNCH=cloud|1 1G" "LAUNCH=slurm|0 1G" "LAUNCH=slurm|1 1T" "LAUNCH=slurm RETRIES=x|1 1G"; do
		# shellcheck disable=SC2086
		run env ${bad%|*} "$VT_ROOT/pipelines/launch" io ${bad#*|} x -- touch ran
		[ "$status" -eq 64 ] || flunk "$bad: status $status"
		assert_match "^vt: launch: " "$output"
		[ ! -e ran ] || flunk "$bad: the command ran"
	done
}

@test "slurm: a bad source fails once, in stage probe, as one job of its own" {
	failed_in text probe vt-probe
	assert_equal "probe FAILED 65:0" "$(slurm_jobs | awk '$2 == "probe" { print $2, $3, $4 }')"
	assert_json "$OUT/.work/launch/probe.json" '.tries == 1 and .exit == 65'
	# Slurm started it once.
	assert_equal "probe" "$(slurm_tasks "$(slurm_jobs | awk '$2 == "probe" { print $1 }')" | awk '{ print $3 }')"
}

@test "slurm: a step the tool fails is not tried again; one killed is, on another node" {
	run launch io 1 100M fail -- sh -c 'echo "vt-x: bad input" >&2; exit 65'
	[ "$status" -eq 65 ] || flunk "status $status"
	assert_equal "vt-x: bad input" "$output"
	# Killed by Slurm on its first try only.
	run --separate-stderr salloc -Q -N 2 -J once env LAUNCH=slurm "$VT_ROOT/pipelines/launch" io 1 100M once -- \
		sh -c '[ -e once ] || { touch once; scancel "$SLURM_JOB_ID.$SLURM_STEP_ID"; sleep 30; }; echo "$SLURMD_NODENAME"'
	assert_success
	assert_equal "node2" "$output"
	assert_equal "vt: warning: once: step cancelled on node1; trying again (try 2)" "$stderr"
	assert_equal "node1 node2" "$(slurm_tasks | awk '$3 == "once" { print $2 }' | paste -sd' ')"
}

@test "slurm: a step whose node goes down is tried again on the other node, and its record says so" {
	# --no-kill: the allocation outlives the loss of one of its nodes.
	run --separate-stderr salloc -Q -N 2 --no-kill env LAUNCH=slurm LAUNCH_RECORDS="$PWD/rec" \
		"$VT_ROOT/pipelines/launch" io 1 100M down -- sh -c '[ -e down ] ||
			{ touch down; scontrol update nodename="$SLURMD_NODENAME" state=down reason=vt-test; sleep 30; }
			echo "$SLURMD_NODENAME"'
	assert_success
	assert_equal "node2" "$output"
	grep -qx "vt: warning: down: node failure on node1; trying again (try 2)" <<<"$stderr" ||
		flunk "no retry warning in: $stderr"
	assert_json rec/down.json '.tries == 2 and .node == "node2" and .failed_on == ["node1"] and .exit == 0'
	assert_equal "node1 node2" "$(slurm_tasks | awk '$3 == "down" { print $2 }' | paste -sd' ')"
	# The node comes back by itself (ReturnToService=2) once it answers.
	slurm_await_idle
}

# broken NAME STEP ACT [SALLOC_OPTION...]: the cluster run again as NAME,
# with "ACT JOBID.STEP NODE" done to STEP's first try while it runs: STEP
# is tried again on the other node, the ladder is the local one, job.json
# says so and nothing is left. ONE and TWO: its tries' "JOBID.STEP NODE".
broken() {
	local name=$1 step=$2 act=$3 mark
	shift 3
	mark=$(slurm_tasks | wc -l)
	slurm_hold "$step"
	cluster_bg "$name" "$@"
	one=$(slurm_await_task "$step" 1 "$mark")
	"$act" "$one"
	two=$(slurm_await_task "$step" 2 "$mark")
	slurm_release "$step"
	wait "$!" || :
	built "$name"
	[ "${two#* }" != "${one#* }" ] || flunk "$step tried again on ${one#* }"
	assert_same_job "$S/local" "$S/$name"
	assert_json "$OUT/job.json" ".summary.retried == [\"$step\"] and .summary.nodes == 2
		and (.steps[] | select(.name == \"$step\") | .tries == 2 and .failed_on == [\"${one#* }\"]
			and .node == \"${two#* }\" and .step == \"${two% *}\")"
	left_nothing
}

node_down() {
	scontrol update nodename="${1#* }" state=down reason=vt-test
}

step_cancelled() {
	scancel "${1% *}"
}

@test "slurm: a node goes down mid-job: its chunk is tried again on the other node, and the job ends as locally" {
	local one two
	# --no-kill: the allocation outlives the loss of one of its nodes,
	# which comes back by itself (ReturnToService=2) once it answers.
	broken down c00001 node_down --no-kill
	grep -q "update_node: node ${one#* } state set to DOWN" "$SLURM_DIR/log/slurmctld.log" ||
		flunk "slurmctld did not set ${one#* } down"
}

@test "slurm: a chunk's step cancelled mid-job (scancel) is tried again on the other node, and the job ends as locally" {
	local one two id
	broken cancel c00000 step_cancelled
	id=${one% *}
	grep -q "_kill_job_step: Cancel of JobId=${id%.*} StepId=${id#*.} " "$SLURM_DIR/log/slurmctld.log" ||
		flunk "slurmctld did not cancel step $id"
}

@test "slurm: make killed mid-job and run again: finished chunks are kept, the rest is made, as locally" {
	local mark i job rc
	mark=$(slurm_tasks | wc -l)
	slurm_hold c00002
	cluster_bg resume
	slurm_await_task c00002 1 "$mark" >/dev/null
	OUT=$S/resume
	for ((i = 0; i < 1800; i++)); do
		[ -e "$OUT/.work/enc/c00000.json" ] && [ -e "$OUT/.work/enc/c00001.json" ] && break
		sleep 0.1
	done
	# As ^C would: make and all it started, at once.
	kill -TERM -- "-$(cat resume.pgid)"
	rc=0
	wait "$!" || rc=$?
	slurm_release c00002
	[ "$rc" -ne 0 ] || flunk "make was not stopped"
	[ ! -e "$OUT/master.m3u8" ] || flunk "make finished before it was killed"
	left_nothing
	find "$OUT/.work/enc" "$OUT/.work/launch" -maxdepth 1 -name 'c0000[01].json' -exec stat -c '%n %.9Y' {} + | sort >kept
	cat "$OUT"/.work/launch/c0000[01].json >records
	[ "$(wc -l <kept)" -eq 4 ] || flunk "the first two chunks did not finish: $(cat kept)"
	# The same command again.
	mark=$(slurm_tasks | wc -l)
	cluster_bg resume
	wait || :
	built resume
	assert_same_job "$S/local" "$S/resume"
	assert_equal "$(cat kept)" "$(find "$OUT/.work/enc" "$OUT/.work/launch" -maxdepth 1 -name 'c0000[01].json' -exec stat -c '%n %.9Y' {} + | sort)"
	assert_equal "$(cat records)" "$(cat "$OUT"/.work/launch/c0000[01].json)"
	# Slurm's own record: the second run encoded only the third chunk.
	job=$(slurm_tasks | tail -n +$((mark + 1)) | awk '{ sub(/\..*/, "", $1); print $1; exit }')
	assert_equal "c00002" "$(slurm_tasks "$job" | awk '$3 ~ /^c[0-9]+$/ { print $3 }' | paste -sd' ')"
	assert_json "$OUT/job.json" ".summary.tries == .summary.steps and (.steps[] | select(.name == \"c00002\") | .step | startswith(\"$job.\"))"
	left_nothing
}

@test "slurm: nothing is left in the queue" {
	run squeue -h -t pending,running,suspended
	assert_success
	assert_equal "" "$output"
	# A job that ended leaves the queue once its nodes have cleaned up.
	slurm_await_idle
}
