#!/usr/bin/env bats
# STAGE=s3://: the VOD job on a real two-node cluster (helpers/slurm) whose
# nodes share no disk but the S3 server's (helpers/s3). Each node's task
# prolog gives its steps a TMPDIR of their own, as clusters give a node's
# local disk; the steps say where they ran (VT_VERBOSE), Slurm says on
# which node, the S3 server holds what they staged.

load test_helper
load helpers/slurm

setup_file() {
	S=$BATS_FILE_TMPDIR
	need_node
	fixtures clip.mp4 text.mp4 || return
	s3_start "$S/s3" || return
	slurm_start "$S/slurm" || return
	mkdir -p "$S/scratch/node1" "$S/scratch/node2"
	printf 'echo "export TMPDIR=%s/$SLURMD_NODENAME"\n' "$S/scratch" >>"$SLURM_DIR/taskprolog"
	vt-put "$(fixture clip.mp4)" s3://videos/in/ >/dev/null || return
	# The same command into the same OUT, here and staged on the cluster,
	# so that even probe.json's file name is the same.
	pipeline job s3://videos/in/clip.mp4 RES=180p,90p
	mv "$S/job" "$S/local" && mv "$S/job.status" "$S/local.status" && mv "$S/job.stderr" "$S/local.stderr"
	export -f vod vod_make pipeline
	salloc -Q -N 2 -J vod bash -c 'pipeline job "$1" RES=180p,90p LAUNCH=slurm STAGE=s3://videos/stage/ VT_VERBOSE=1' \
		_ s3://videos/in/clip.mp4 </dev/null
	# A bad source: put from here, refused on a node. Where its steps ran
	# goes to text.where.
	VT_VERBOSE=1 pipeline text "$(fixture text.mp4)" RES=90p LAUNCH=slurm STAGE=s3://videos/stage/ </dev/null
	grep '^vt: stage: in ' "$S/text.stderr" >"$S/text.where"
	sed -i '/^vt: stage: in /d' "$S/text.stderr"
}

teardown_file() {
	slurm_stop "$BATS_FILE_TMPDIR/slurm"
	server_stop "$BATS_FILE_TMPDIR/s3"
}

# vod_job: the allocation's job id: the job of the first chunk's step.
vod_job() {
	slurm_tasks | awk '$3 == "c00000" { sub(/\..*/, "", $1); print $1 }'
}

# no_scratch: nothing is left in either node's scratch.
no_scratch() {
	assert_equal "" "$(find "$S/scratch" -mindepth 2)"
}

# scratch_of FILE: the scratch folders that the steps' lines in FILE name.
scratch_of() {
	sed -n 's/^vt: stage: in \(.*\) on .*$/\1/p' "$1"
}

@test "stage: the staged ladder is byte for byte the one made locally" {
	built local
	built job
	assert_same_job "$S/local" "$S/job"
}

@test "stage: every step ran in a scratch folder of its node's, the chunks on both nodes" {
	built job
	local job where n
	job=$(vod_job)
	[ -n "$job" ] || flunk "no step c00000 in the nodes' task logs"
	assert_equal "node1 node2" "$(slurm_tasks "$job" | awk '$3 ~ /^c[0-9]+$/ { print $2 }' | sort -u | paste -sd' ')"
	# One line a step, each in its own folder, under its node's scratch.
	where=$(sed -n 's/^vt: stage: in \(.*\) on \(.*\)$/\2 \1/p' "$S/job.stderr")
	n=$(slurm_tasks "$job" | wc -l)
	assert_equal "$n" "$(wc -l <<<"$where")"
	assert_equal "$n" "$(cut -d' ' -f2 <<<"$where" | sort -u | wc -l)"
	assert_equal "" "$(awk -v s="$S/scratch" 'index($2, s "/" $1 "/vt-stage.") != 1' <<<"$where")"
	assert_equal "node1 node2" "$(cut -d' ' -f1 <<<"$where" | sort -u | paste -sd' ')"
}

@test "stage: the submitting side keeps only manifests; the S3 server holds the staged files" {
	built job
	local f n=0
	# Every file in .work is JSON (make's lists and parameters aside).
	while read -r f; do
		case $f in
		*.mk | *.params) ;;
		*) jq . "$f" >/dev/null || flunk "$f is no manifest" ;;
		esac
	done < <(find "$OUT/.work" -type f)
	# The split's chunks and the encodes, as the local run made them.
	while read -r f; do
		s3_object "stage${OUT}/.work/$f" got || return
		cmp got "$S/local/.work/$f" || flunk "$f differs in S3"
		n=$((n + 1))
	done < <(cd "$S/local/.work" && find chunks enc -type f ! -name '*.json')
	[ "$n" -ge 9 ] || flunk "only $n files"
}

@test "stage: a bad source fails once on a node, in stage probe" {
	failed_in text probe vt-probe
	assert_json "$OUT/.work/launch/probe.json" '.tries == 1 and .exit == 65'
}

@test "stage: no scratch is left after a run and a failure" {
	built job
	local d n=0
	while read -r d; do
		[[ $d == "$S/scratch/node"[12]/vt-stage.* ]] || flunk "$d is no node's scratch"
		[ ! -e "$d" ] || flunk "$d is left"
		n=$((n + 1))
	done < <(scratch_of "$S/job.stderr"; scratch_of "$S/text.where")
	[ "$(scratch_of "$S/text.where" | wc -l)" -ge 1 ] || flunk "the failed job ran no staged step"
	[ "$n" -ge 8 ] || flunk "only $n staged steps"
	no_scratch
}

@test "stage: a step cancelled mid-run leaves no scratch" {
	run --separate-stderr env LAUNCH=slurm RETRIES=0 VT_STAGE_ROOT="$S/job" VT_STAGE_URL=s3://videos/stage/x/ \
		"$VT_ROOT/pipelines/launch" io 1 100M cut -- "$VT_ROOT/pipelines/stage" -- \
		sh -c 'pwd >"$TMPDIR"/../started; scancel "$SLURM_JOB_ID"; sleep 30'
	assert_failure
	[ -s "$S/scratch/started" ] || { flunk "the step did not start"; return; }
	[[ $(cat "$S/scratch/started") == "$S/scratch/node"[12]/vt-stage.*/out ]] ||
		flunk "the step ran in $(cat "$S/scratch/started")"
	no_scratch
}
