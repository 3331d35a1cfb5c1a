# vt VOD pipeline: VIDEO -> probe -> plan -> split -> encode (one job per
# chunk) + audio -> hls -> job.json, with optional thumbnails and chapters
# beside the encodes. Included by the top Makefile when VIDEO is set:
#   make -j8 VIDEO=talk.mp4 RES=1080p,720p,480p,360p THUMB=auto CHAPTERS=0.4
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SECONDARY:

VT_ROOT  := $(patsubst %/pipelines/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
# In the source tree the tools are in bin/; installed, in $(PREFIX)/bin
# beside $(PREFIX)/share/vt/pipelines.
VT_BIN   ?= $(if $(wildcard $(VT_ROOT)/tools/vt-probe.c),$(VT_ROOT)/bin,$(abspath $(VT_ROOT)/../../bin))

# User text is data: it reaches the shell only single-quoted by sq, and
# the output folder's name keeps only safe characters.
sq = '$(subst ','\'',$(1))'
# Values given on the command line or in the environment are taken as
# written: make must never expand them (a "$(shell ...)" in one must not
# run), nor export them, which would expand them for a recipe's
# environment.
VT_DATA  := VIDEO OUT SEG CHUNK PRESET FORMAT BITRATES AUDIO_BITRATE THREADS VT_BIN
$(foreach v,$(VT_DATA),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))$(eval unexport $(v))))
SRC      := $(value VIDEO)
NAME     := $(shell n=$$(basename -- $(call sq,$(SRC))); case $(call sq,$(SRC)) in (*://*) n=$${n%%[?\#]*};; esac; n=$${n%.*}; \
              n=$$(printf '%s' "$$n" | tr -c 'A-Za-z0-9._-' _); \
              [ -n "$$n" ] && [ "$${n#.}" = "$$n" ] || n=_$$n; printf '%s' "$$n")
OUT      ?= out/$(NAME)
# The segment grid and the chunk length, in seconds; empty: the tools'
# defaults (vt-encode(1), vt-split(1)). The tools check them.
SEG      ?=
CHUNK    ?=
PRESET   ?= medium
FORMAT   ?= fmp4
RES      ?=
# The audio streams to encode, by language or index (vt-encode -a); empty:
# every one.
AUDIO    ?=
BITRATES ?=
AUDIO_BITRATE ?= 128k
# A watermark in every rung: text or a PNG file, placed, sized and faded
# as vt-encode(1)'s --watermark- options; empty: vt-encode's default.
WATERMARK ?=
WATERMARK_IMAGE ?=
WATERMARK_POS ?=
WATERMARK_SIZE ?=
WATERMARK_OPACITY ?=
# A thumbnail and a sprite sheet (vt-thumb(1)), and chapters from the shot
# changes (vt-scenes(1)); both optional, off when empty. Empty values
# here take the tool's default.
THUMB ?=
THUMB_TIME ?=
THUMB_WIDTH ?=
SPRITE_INTERVAL ?=
CHAPTERS ?=
CHAPTER_MIN ?=
CHAPTER_TITLES ?=
# A JSON job file with the same settings; the variables given win.
JOB ?=
# make publish uploads OUT to DEST (vt-put(1)); when the job ends, either
# way, job.json is POSTed to NOTIFY and ON_DONE runs with its path as $1.
DEST ?=
NOTIFY ?=
ON_DONE ?=
# LAUNCH=slurm runs the heavy recipes as Slurm job steps, each asking for
# the CPUs and memory it needs; pipelines/launch reads these, as data, from
# the environment, and owns their defaults.
LAUNCH ?= local
RETRIES ?=
PARTITION_ENCODE ?=
PARTITION_IO ?=
$(foreach v,LAUNCH RETRIES PARTITION_ENCODE PARTITION_IO,$(eval override $(v) := $$(value $(v)))$(eval export $(v)))
# STAGE=s3://bucket/prefix/: the nodes share no disk; OUT's files go
# through S3 (pipelines/stage).
STAGE ?=
override STAGE := $(value STAGE)
unexport STAGE
# One x264 thread per rung: the chunk jobs keep the cores busy, and
# single-threaded x264 is deterministic, so a resumed run's output is
# byte-identical to an uninterrupted one.
THREADS  ?= 1

# The request's values are data too, taken as written (params.jq and
# vt-encode --plan check them). They reach jq through the environment, as
# VT_V_<name>, never through a recipe's text, where make would run a
# newline's second half as a command of its own; and make must not expand
# them to export them itself. VT_SET names those the user set, which win
# over the job file.
VT_REQUEST := RES AUDIO WATERMARK WATERMARK_IMAGE WATERMARK_POS WATERMARK_SIZE WATERMARK_OPACITY \
              THUMB THUMB_TIME THUMB_WIDTH SPRITE_INTERVAL CHAPTERS CHAPTER_MIN CHAPTER_TITLES JOB
unexport $(VT_REQUEST)
$(foreach v,$(VT_REQUEST),$(eval VT_V_$(v) := $$(value $(v)))$(eval export VT_V_$(v)))
export VT_SET := $(foreach v,$(VT_REQUEST),$(if $(filter command environment override,$(origin $(v))),$(v)))
unexport DEST NOTIFY ON_DONE
export VT_SEG := $(value SEG)
export VT_CHUNK := $(value CHUNK)
export VT_DEST := $(value DEST)
export VT_NOTIFY := $(value NOTIFY)
export VT_ON_DONE := $(value ON_DONE)
ifneq ($(filter publish,$(MAKECMDGOALS)),)
ifeq ($(VT_DEST),)
$(error vt: publish needs DEST, such as DEST=s3://bucket/prefix/)
endif
endif

ifneq ($(shell printf '%s' $(call sq,$(OUT)) | tr -d 'A-Za-z0-9._/+-'),)
$(error vt: OUT may hold only letters, digits and . _ / + -)
endif
ifneq ($(words $(OUT)),1)
$(error vt: OUT must be one word)
endif
$(if $(shell printf '%s' $(call sq,$(THREADS)) | grep -Ex '[0-9]+'),,$(error vt: THREADS must be a whole number))
ifeq ($(filter $(FORMAT),fmp4 ts),)
$(error FORMAT must be fmp4 or ts)
endif

# With STAGE, OUT's files live in S3 under STAGE and OUT's real path; each
# heavy step runs in a scratch folder of its own, on its node, that stands
# for OUT (pipelines/stage), given its inputs as paths under OUT, taken
# from the manifests. Here .work keeps only the manifests; the ladder, the
# chapters and the thumbnails come back to OUT from S3 when made.
ifneq ($(STAGE),)
ifeq ($(shell printf '%s' $(call sq,$(STAGE)) | grep -Ex 's3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9._/+-]*/)?'),)
$(error vt: STAGE must be an s3:// bucket and prefix ending in /, of letters, digits and . _ / + -)
endif
override OUT := $(shell realpath -m -- $(call sq,$(OUT)))
ifneq ($(shell printf '%s' $(call sq,$(OUT)) | tr -d 'A-Za-z0-9._/+-'),)
$(error vt: with STAGE, OUT's real path may hold only letters, digits and . _ / + -)
endif
export VT_STAGE_ROOT := $(OUT)
export VT_STAGE_URL := $(STAGE)$(OUT:/%=%)/
export VT_STAGE_PUT := $(VT_BIN)/vt-put
# staged INPUTS: the words before a heavy step's command.
staged = $(VT_ROOT)/pipelines/stage $(1) --
# ship MANIFEST: put a manifest that a heavy step reads by its path to S3.
ship = $(VT_BIN)/vt-put -- $(1) "$$VT_STAGE_URL"$(patsubst $(OUT)/%,%,$(1)) > /dev/null
# unstage FOLDER/: OUT's FOLDER from S3 (all of OUT but .work for "").
unstage = $(VT_BIN)/vt-put --get "$$VT_STAGE_URL"$(1) $(OUT)/$(1) > /dev/null
endif

W   := $(OUT)/.work
E   := $(W)/enc
# launch CLASS CPUS MEM NAME -- COMMAND: a heavy step, here or on the cluster.
launch := $(VT_ROOT)/pipelines/launch
export LAUNCH_RECORDS := $(W)/launch
# A URL (http, https, s3 or file) is fetched into .work first; the job
# reads that copy, and job.json names the URL.
VT_URL :=
source-ext = $(shell e=$$(basename -- $(call sq,$(SRC))); e=$${e%%[?\#]*}; \
         [[ $$e =~ \.[A-Za-z0-9]{1,8}$$ ]] && printf '%s' "$${BASH_REMATCH[0]}")
ifneq ($(filter http:// https:// s3:// file://,$(firstword $(subst ://,:// ,$(SRC)))),)
VT_URL := $(SRC)
SRC := $(W)/source$(source-ext)
else ifneq ($(STAGE),)
# A file here goes to S3 from here, the one host that has it.
export VT_LOCAL := $(SRC)
SRC := $(W)/source$(source-ext)
endif
# The source's path, as data, like the request's values: a name with a
# newline or a quote in it is never recipe text.
export VT_URL
export VT_SRC := $(SRC)
TOOLS := $(addprefix $(VT_BIN)/,vt-probe vt-split vt-encode vt-hls vt-scenes vt-thumb)
OPTIONAL := $(VT_ROOT)/pipelines/optional

.PHONY: job publish FORCE
.DEFAULT_GOAL := job

ifndef VT_INNER
# The DAG runs in a sub-make; if it fails, job.json still gets written,
# saying which stage failed and why. The terminal shows the tools' own
# one-line errors; make's echo of the failure stays in .work/make.log.
MAKE_NOISE := ^make(\[[0-9]+\])?: \*\*\* \[|/vod\.mk:[0-9]+: .*/(chunks|steps)\.mk: No such file or directory$$
# Then publish, and tell of the end (pipelines/publish, pipelines/notify).
job publish:
	@mkdir -p $(W)
	@rc=0; { VT_PROGRESS=$$([ -t 2 ] && echo 1) $(MAKE) --no-print-directory -f $(call sq,$(firstword $(MAKEFILE_LIST))) VT_INNER=1 \
	    $(OUT)/job.json 2>&1 1>&9 | tee $(W)/make.log+ | { grep -v -E "$(MAKE_NOISE)" || :; } >&2; } 9>&1 \
	  && rm -f $(W)/make.log+ \
	  || { mv $(W)/make.log+ $(W)/make.log; $(VT_ROOT)/pipelines/failed $(OUT) $(W)/make.log || rc=$$?; }; \
	[ $$rc -ne 0 ] || [ $@ != publish ] || $(VT_ROOT)/pipelines/publish $(OUT) $(VT_BIN) || rc=$$?; \
	$(VT_ROOT)/pipelines/notify $(OUT) $$rc $(VT_BIN)
else
job: $(OUT)/job.json

# Write $@ from the recipe's stdout only when the text changes, so that
# targets depending on it rebuild exactly when a setting changes.
define keep-if-same
cmp -s $@+ $@ && rm -f $@+ || mv $@+ $@
endef
# retry-if WARNING: keep-if-same, unless an optional step failed last time:
# then its settings look new, so that the step is tried again.
retry-if = [ ! -e $(1) ] && cmp -s $@+ $@ && rm -f $@+ || mv $@+ $@

$(W) $(E):
	mkdir -p $@

ifneq ($(STAGE),)
# The source, staged as .work/source.EXT; $(W)/source says which object.
ifdef VT_URL
$(W)/source: | $(W) $(VT_BIN)/vt-put
	$(launch) io 1 1G fetch -- $(call staged) $(VT_BIN)/vt-put --get --media "$$VT_URL" "$$VT_SRC" | jq -c '{bytes, etag}' > $@+
	mv $@+ $@
else
$(W)/source: FORCE | $(W) $(VT_BIN)/vt-put
	@[ -e "$$VT_LOCAL" ] || exec $(VT_BIN)/vt-probe -- "$$VT_LOCAL"  # it says why
	@$(VT_BIN)/vt-put -- "$$VT_LOCAL" "$$VT_STAGE_URL".work/$(notdir $(SRC)) | jq -c '{bytes, etag}' > $@+
	@$(keep-if-same)
endif
else
# A URL: vt-put fetches it, resuming where a broken transfer or a killed
# run stopped, and refuses a body that is not audio or video.
ifdef VT_URL
$(W)/source: $(SRC)
$(SRC): | $(W) $(VT_BIN)/vt-put
	$(launch) io 1 1G fetch -- $(VT_BIN)/vt-put --get --media $${VT_PROGRESS:+--progress} "$$VT_URL" $@ > /dev/null
endif

$(W)/source: FORCE | $(W)
	@[ -e "$$VT_SRC" ] || exec $(VT_BIN)/vt-probe -- "$$VT_SRC"  # it says why
	@t=$$(readlink -f -- "$$VT_SRC"); [ "$$(readlink -- $@ 2>/dev/null)" = "$$t" ] || ln -sfn -- "$$t" $@
endif

# sha256 FILE: the file's SHA-256, or nothing if it cannot be read.
sha256 = { sha256sum < $(1); } 2>/dev/null | cut -c1-64
# steps WHAT [ARG]: pipelines/steps.jq making WHAT, from the files named next.
steps = jq -r -f $(VT_ROOT)/pipelines/steps.jq --arg what $(1) --arg arg $(if $(2),$(2),'') \
    --arg dir $(OUT)/$(if $(findstring thumb,$(1)),thumbnails,chapters) --arg shots $(W)/scenes.json

# check WHAT TOOL: TOOL --check judges the request's values for the
# optional step that WHAT's arguments are for, with its own ranges.
check = eval "set -- $$($(call steps,$(1)) $@+)"; [ $$\# -eq 0 ] || \
    { [ $(1) = thumb.args ] || shift; $(VT_BIN)/$(2) --check "$$@" > /dev/null; } || { rm -f $@+; exit 65; }

# The request: the variables and the job file, checked before any work.
$(W)/request.json: FORCE | $(W) $(TOOLS)
	@set -- $(foreach v,$(VT_REQUEST),--arg $(v) "$$VT_V_$(v)"); \
	if [ -n "$$VT_V_JOB" ]; then \
	  [ -f "$$VT_V_JOB" ] && [ -r "$$VT_V_JOB" ] || \
	    { printf "vt-vod: cannot read job file '%s'\n" "$${VT_V_JOB//[$$'\n\r\t']/?}" >&2; exit 66; }; \
	  set -- "$$@" --rawfile job "$$VT_V_JOB"; \
	else set -- "$$@" --arg job ""; fi; \
	jq -n -f $(VT_ROOT)/pipelines/params.jq --arg jobname "$$VT_V_JOB" --arg set "$$VT_SET" \
	    --arg seg "$$VT_SEG" --arg preset $(call sq,$(PRESET)) --arg threads $(THREADS) \
	    --arg br $(call sq,$(BITRATES)) --arg ab $(call sq,$(AUDIO_BITRATE)) "$$@" > $@+ \
	  || { rm -f $@+; exit 65; }
	@a=$$(jq -j '.audio // empty' $@+; printf x); a=$${a%x}; \
	[ -z "$$a" ] || $(VT_BIN)/vt-encode --check -a "$$a" || { rm -f $@+; exit 65; }
	@$(call check,thumb.args,vt-thumb)
	@$(call check,scenes.args,vt-scenes)
	@$(keep-if-same)

# vt-encode's parameters: a new picture in the watermark's file encodes again.
$(W)/params.json: FORCE $(W)/request.json
	@i=$$(jq -j '.watermark.image // empty' $(W)/request.json; printf x); i=$${i%x}; \
	$(call steps,params,"$$([ -z "$$i" ] || $(call sha256,"$$i"))") $(W)/request.json > $@+
	@$(keep-if-same)

$(W)/split.params: FORCE | $(W)
	@printf 'chunk=%s\n' "$$VT_CHUNK" > $@+
	@$(keep-if-same)

$(W)/probe.json: $(W)/source | $(W) $(TOOLS)
	$(launch) io 1 1G probe -- $(call staged,"$$VT_SRC") $(VT_BIN)/vt-probe -- "$$VT_SRC" > $@+
	mv $@+ $@

$(OUT)/probe.json: $(W)/probe.json
	cp $< $@+
	mv $@+ $@

# The plan checks the request against the source before any work is done.
# It travels in the split's manifest, so a new plan splits again: kept
# as it was when it comes out the same.
$(W)/plan.json: $(W)/probe.json $(W)/params.json
	$(VT_BIN)/vt-encode --plan -p $(W)/params.json < $< > $@+
	@$(keep-if-same)

$(W)/chunks.json: $(W)/source $(W)/split.params $(W)/plan.json
	rm -rf $(W)/chunks
	$(if $(STAGE),$(call ship,$(W)/plan.json))
	$(launch) io 1 1G split -- $(call staged,"$$VT_SRC" $(W)/plan.json) $(VT_BIN)/vt-split --plan $(W)/plan.json $${VT_CHUNK:+-c "$$VT_CHUNK"} -d $(W)/chunks -- "$$VT_SRC" > $@+
	mv $@+ $@

# Chunk fan-out: the split's manifest becomes a list of encode targets.
# They encode from the plan in it; params.json names the watermark
# picture's contents too.
$(W)/chunks.mk: $(W)/chunks.json
	jq -r '"CHUNKS := " + ([.chunks[].index | tostring | ("0000" + .)[-5:]] | join(" "))' $< > $@+
	mv $@+ $@

ifeq ($(filter clean-job,$(MAKECMDGOALS)),)
include $(W)/chunks.mk $(W)/steps.mk
endif

$(E)/c%.json: $(W)/chunks.json $(W)/params.json | $(E)
	rm -f $(E)/*/.c$*.ts.*
	$(launch) encode $$(jq '[.rungs | length, 1] | max' $(W)/plan.json) 2G c$* -- \
	    $(call staged,$$(jq -r --argjson i $$((10#$*)) '.chunks[] | select(.index == $$i) | .path' $<)) $(VT_BIN)/vt-encode -c $* -d $(E) < $< > $@+
	mv $@+ $@

$(E)/audio.json: $(W)/chunks.json $(W)/params.json | $(E)
	if jq -e '.audio != null' $< > /dev/null; then \
	  $(launch) encode 1 1G audio -- $(call staged,$$(jq -r .source $<)) $(VT_BIN)/vt-encode --audio -d $(E) < $< > $@+; \
	else : > $@+; fi
	mv $@+ $@

# Optional steps. Each runs under pipelines/optional: if it fails, job.json
# says so in its warnings and the video is made all the same. The
# thumbnail is taken from the source, beside the encodes. Scene detection,
# for the chapters and the thumbnail's scene mode, decodes the smallest
# rung's chunks once they are encoded: the same frames as the source's, at
# a small part of the cost of decoding the source a second time.
CHAPTER_FILES := $(addprefix $(OUT)/chapters/,chapters.vtt chapters.json chapters-hls.json)
THUMB_FILES    = $(wildcard $(addprefix $(OUT)/thumbnails/,thumbnail.jpg sprite*.jpg sprite.vtt))

# An optional step's parameters: its tool's arguments ("$$@", the first
# word naming the component) and the settings its --check prints, with the
# tool's defaults, so that a new default runs the step again; null when
# the step is off. $(1): more options for jq, $(2): the tool, $(3): more
# fields. (Each word is passed with an x before it, which jq takes off:
# jq 1.6 would read a word such as -m as its own option.)
step-params = if [ $$\# -eq 0 ]; then echo null; else \
    jq -n $(1) --argjson s "$$($(VT_BIN)/$(2) --check "$${@:2}")" \
      '$$ARGS.positional | map(.[1:]) | {component: .[0], args: .[1:], settings: $$s} + $(3)' \
      --args "$${@/\#/x}"; fi > $@+
# args FILE: the optional step's tool's arguments, from its parameters.
step-args = eval "set -- $$(jq -r 'select(.) | [.component] + .args | @sh' $(1))"

$(W)/scenes.params: FORCE $(W)/request.json
	@t=$$(jq -j '.chapters.titles // empty' $(W)/request.json; printf x); t=$${t%x}; \
	eval "set -- $$($(call steps,scenes.args) $(W)/request.json)"; \
	$(call step-params,--arg sha "$$([ -z "$$t" ] || $(call sha256,"$$t"))",vt-scenes,{titles_sha256: $$sha})
	@$(call retry-if,$(W)/warn/scenes.json)

$(W)/scenes.json: $(W)/scenes.params $(CHUNKS:%=$(E)/c%.json) $(E)/audio.json | $(TOOLS)
	@rm -f $(CHAPTER_FILES)
	@$(call step-args,$(W)/scenes.params); \
	if [ $$# -eq 0 ]; then rm -f $(W)/warn/scenes.*; rmdir $(OUT)/chapters 2>/dev/null || :; echo null > $@; exit 0; fi; \
	c=$$1; shift; \
	cat $(CHUNKS:%=$(E)/c%.json) $(E)/audio.json | \
	  $(OPTIONAL) "$$c" $(W)/warn/scenes.json $@ $(launch) encode 1 1G scenes -- $(call staged,$(E)/) $(VT_BIN)/vt-scenes "$$@"; \
	[ -e $@ ] || rm -f $(CHAPTER_FILES)$(if $(STAGE),; [ ! -e $@ ] || [ "$$c" != chapters ] || $(call unstage,chapters/))

# The thumbnail's scene mode chooses from the shots, so it waits for them
# (steps.mk says whether it does); without them it chooses as in auto mode.
$(W)/steps.mk: $(W)/request.json
	jq -r '"THUMB_SHOTS := " + if .thumbnail.mode == "scene" then "$$(W)/scenes.json" else "" end' $< > $@+
	mv $@+ $@

$(W)/thumb.params: FORCE $(W)/request.json | $(THUMB_SHOTS)
	@s=$(if $(THUMB_SHOTS),$$(! jq -e .cuts $(W)/scenes.json >/dev/null 2>&1 || $(call sha256,$(W)/scenes.json))); \
	eval "set -- $$($(call steps,thumb.args,"$$([ -n "$$s" ] || echo auto)") $(W)/request.json)"; \
	[ $$# -eq 0 ] || set -- thumbnail "$$@"; \
	$(call step-params,--arg sha "$$s",vt-thumb,{shots_sha256: $$sha})
	@$(call retry-if,$(W)/warn/thumbnail.json)

$(W)/thumb.json: $(W)/source $(W)/thumb.params | $(TOOLS)
	@rm -f $(THUMB_FILES)
	@$(call step-args,$(W)/thumb.params); \
	if [ $$# -eq 0 ]; then rm -f $(W)/warn/thumbnail.*; rmdir $(OUT)/thumbnails 2>/dev/null || :; echo null > $@; \
	else shift; $(if $(and $(STAGE),$(THUMB_SHOTS)),$(call ship,$(W)/scenes.json);) \
	  $(OPTIONAL) thumbnail $(W)/warn/thumbnail.json $@ $(launch) encode 1 1G thumb -- \
	    $(call staged,"$$VT_SRC" $(THUMB_SHOTS)) $(VT_BIN)/vt-thumb "$$@" -- "$$VT_SRC"; fi

# The master names the chapters when they were made.
$(W)/hls.params: FORCE | $(W)/scenes.json
	@{ echo "format=$(FORMAT)"; [ ! -s $(OUT)/chapters/chapters-hls.json ] || \
	  echo "session-data=com.apple.hls.chapters=chapters/chapters-hls.json"; } > $@+
	@$(keep-if-same)

# The master playlist, written last, means the job is done: the optional
# steps end first.
$(W)/hls.json: $(CHUNKS:%=$(E)/c%.json) $(E)/audio.json $(W)/hls.params | $(W)/thumb.json
	cat $(CHUNKS:%=$(E)/c%.json) $(E)/audio.json | $(launch) io 1 1G hls -- $(call staged,$(E)/) $(VT_BIN)/vt-hls -f $(FORMAT) \
	    $$(sed -n 's/^session-data=/-S /p' $(W)/hls.params) -d $(OUT) > $@+
	$(if $(STAGE),$(call unstage,))
	mv $@+ $@

# The thumbnail first, so that it runs beside the encodes.
$(OUT)/job.json: $(W)/thumb.json $(W)/scenes.json $(W)/hls.json $(W)/plan.json $(W)/params.json \
    $(W)/request.json $(W)/chunks.json $(OUT)/probe.json
	jq -n -f $(VT_ROOT)/pipelines/job.jq --arg video "$${VT_URL:-$$VT_SRC}" --arg out $(call sq,$(OUT)) \
	    --arg format $(FORMAT) --arg job "$$VT_V_JOB" --slurpfile chunks $(W)/chunks.json \
	    --slurpfile params $(W)/params.json --slurpfile request $(W)/request.json \
	    --slurpfile plan $(W)/plan.json --slurpfile probe $(W)/probe.json \
	    --slurpfile hls $(W)/hls.json \
	    --argjson scenes "$$(cat $(W)/scenes.json 2>/dev/null || echo null)" \
	    --argjson thumb "$$(cat $(W)/thumb.json 2>/dev/null || echo null)" \
	    --argjson chapters "$$(cat $(OUT)/chapters/chapters.json 2>/dev/null || echo null)" \
	    --argjson warn "$$({ cat $(W)/warn/*.json 2>/dev/null || :; } | jq -s .)" \
	    --slurpfile launch <(find $(LAUNCH_RECORDS) -name '*.json' -exec cat {} + 2>/dev/null) > $@+
	mv $@+ $@

endif

clean-job:
	rm -rf $(OUT)
.PHONY: clean-job
