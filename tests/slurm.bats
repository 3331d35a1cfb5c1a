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

teardown_file() {
	slurm_stop "$BATS_FILE_TMPDIR/slurm"
}

# vod_job: the allocation's job id: the job of the first chunk's step.
vod_job() {
	slurm_tasks | awk '$3 == "c00000" { sub(/\..*/, "", $1); print $1 }'
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
	assert_equal "probe FAILED 65:0" "$(slurm_jobs | awk '$2 != "vod" { print $2, $3, $4 }')"
	assert_json "$OUT/.work/launch/probe.json" '.tries == 1 and .exit == 65'
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
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(sinfo -h -N -r -t idle -o %N | wc -l)" -eq 2 ] && return
		sleep 0.1
	done
	flunk "node1 did not come back: $(sinfo -N)"
}

@test "slurm: nothing is left in the queue" {
	run squeue -h -t pending,running,suspended
	assert_success
	assert_equal "" "$output"
	# A job that ended leaves the queue once its nodes have cleaned up.
	local i
	for ((i = 0; i < 100; i++)); do
		[ -z "$(squeue -h)" ] && return
		sleep 0.1
	done
	flunk "still in the queue: $(squeue -h)"
}
