# vt VOD pipeline: VIDEO -> probe -> plan -> split -> encode (one job per
# chunk) + audio -> hls -> job.json. Included by the top Makefile when
# VIDEO is set:  make -j8 VIDEO=talk.mp4 RES=1080p,720p,480p,360p
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
SRC      := $(value VIDEO)
NAME     := $(shell n=$$(basename -- $(call sq,$(SRC))); n=$${n%.*}; \
              n=$$(printf '%s' "$$n" | tr -c 'A-Za-z0-9._-' _); \
              [ -n "$$n" ] && [ "$${n#.}" = "$$n" ] || n=_$$n; printf '%s' "$$n")
OUT      ?= out/$(NAME)
SEG      ?= 6
CHUNK    ?= 6
PRESET   ?= medium
FORMAT   ?= fmp4
RES      ?=
BITRATES ?=
AUDIO_BITRATE ?= 128k
# A watermark in every rung: text or a PNG file, placed, sized and faded
# as vt-encode(1)'s --watermark- options.
WATERMARK ?=
WATERMARK_IMAGE ?=
WATERMARK_POS ?= bottom_right
WATERMARK_SIZE ?= 0.05
WATERMARK_OPACITY ?= 0.8
# One x264 thread per rung: the chunk jobs keep the cores busy, and
# single-threaded x264 is deterministic, so a resumed run's output is
# byte-identical to an uninterrupted one.
THREADS  ?= 1

# The watermark's values are data too, taken as written (vt-encode --plan
# checks them). They reach jq through the environment, never through a
# recipe's text, where make would run a newline's second half as a command
# of its own; and make must not expand them to export them itself.
unexport WATERMARK WATERMARK_IMAGE WATERMARK_POS WATERMARK_SIZE WATERMARK_OPACITY
VT_WM_TEXT    := $(value WATERMARK)
VT_WM_IMAGE   := $(value WATERMARK_IMAGE)
VT_WM_POS     := $(value WATERMARK_POS)
VT_WM_SIZE    := $(value WATERMARK_SIZE)
VT_WM_OPACITY := $(value WATERMARK_OPACITY)
export VT_WM_TEXT VT_WM_IMAGE VT_WM_POS VT_WM_SIZE VT_WM_OPACITY

ifneq ($(shell printf '%s' $(call sq,$(OUT)) | tr -d 'A-Za-z0-9._/+-'),)
$(error vt: OUT may hold only letters, digits and . _ / + -)
endif
ifneq ($(words $(OUT)),1)
$(error vt: OUT must be one word)
endif
$(foreach v,SEG CHUNK,$(if $(shell printf '%s' $(call sq,$($(v))) | grep -Ex '[0-9]+(\.[0-9]+)?'),,$(error vt: $(v) must be a number)))
$(if $(shell printf '%s' $(call sq,$(THREADS)) | grep -Ex '[0-9]+'),,$(error vt: THREADS must be a whole number))
ifeq ($(filter $(FORMAT),fmp4 ts),)
$(error FORMAT must be fmp4 or ts)
endif

W   := $(OUT)/.work
E   := $(W)/enc
TOOLS := $(addprefix $(VT_BIN)/,vt-probe vt-split vt-encode vt-hls)

.PHONY: job FORCE
.DEFAULT_GOAL := job

ifndef VT_INNER
# The DAG runs in a sub-make; if it fails, job.json still gets written,
# saying which stage failed and why. The terminal shows the tools' own
# one-line errors; make's echo of the failure stays in .work/make.log.
MAKE_NOISE := ^make(\[[0-9]+\])?: \*\*\* \[|/vod\.mk:[0-9]+: .*/chunks\.mk: No such file or directory$$
job:
	@mkdir -p $(W)
	@{ $(MAKE) --no-print-directory -f $(call sq,$(firstword $(MAKEFILE_LIST))) VT_INNER=1 \
	    $(OUT)/job.json 2>&1 1>&9 | tee $(W)/make.log+ | { grep -v -E "$(MAKE_NOISE)" || :; } >&2; } 9>&1 \
	  && rm -f $(W)/make.log+ \
	  || { mv $(W)/make.log+ $(W)/make.log; $(VT_ROOT)/pipelines/failed $(OUT) $(W)/make.log; }
else
job: $(OUT)/job.json

# Write $@ from the recipe's stdout only when the text changes, so that
# targets depending on it rebuild exactly when a setting changes.
define keep-if-same
cmp -s $@+ $@ && rm -f $@+ || mv $@+ $@
endef

$(W) $(E):
	mkdir -p $@

$(W)/source: FORCE | $(W)
	@[ -e $(call sq,$(SRC)) ] || exec $(VT_BIN)/vt-probe $(call sq,$(SRC))  # it says why
	@t=$$(readlink -f -- $(call sq,$(SRC))); [ "$$(readlink -- $@ 2>/dev/null)" = "$$t" ] || ln -sfn -- "$$t" $@

$(W)/params.json: FORCE | $(W)
	@jq -n -f $(VT_ROOT)/pipelines/params.jq --arg res $(call sq,$(RES)) --arg seg $(SEG) \
	    --arg preset $(call sq,$(PRESET)) --arg threads $(THREADS) \
	    --arg br $(call sq,$(BITRATES)) --arg ab $(call sq,$(AUDIO_BITRATE)) \
	    --arg wm "$$VT_WM_TEXT" --arg wmimage "$$VT_WM_IMAGE" --arg wmpos "$$VT_WM_POS" \
	    --arg wmsize "$$VT_WM_SIZE" --arg wmopacity "$$VT_WM_OPACITY" \
	    --arg wmsum "$$([ -z "$$VT_WM_IMAGE" ] || { sha256sum < "$$VT_WM_IMAGE"; } 2>/dev/null | cut -c1-64)" \
	    > $@+
	@$(keep-if-same)

$(W)/split.params: FORCE | $(W)
	@echo "chunk=$(CHUNK) seg=$(SEG)" > $@+
	@$(keep-if-same)

$(W)/probe.json: $(W)/source | $(W) $(TOOLS)
	$(VT_BIN)/vt-probe $(call sq,$(SRC)) > $@+
	mv $@+ $@

$(OUT)/probe.json: $(W)/probe.json
	cp $< $@+
	mv $@+ $@

# The plan checks RES against the source before any work is done.
$(W)/plan.json: $(W)/probe.json $(W)/params.json
	$(VT_BIN)/vt-encode --plan -p $(W)/params.json < $< > $@+
	mv $@+ $@

$(W)/chunks.json: $(W)/source $(W)/split.params | $(W)/plan.json
	rm -rf $(W)/chunks
	$(VT_BIN)/vt-split -c $(CHUNK) -s $(SEG) -d $(W)/chunks $(call sq,$(SRC)) > $@+
	mv $@+ $@

# Chunk fan-out: the split's manifest becomes a list of encode targets.
$(W)/chunks.mk: $(W)/chunks.json
	jq -r '"CHUNKS := " + ([.chunks[].index | tostring | ("0000" + .)[-5:]] | join(" "))' $< > $@+
	mv $@+ $@

ifeq ($(filter clean-job,$(MAKECMDGOALS)),)
include $(W)/chunks.mk
endif

$(E)/c%.json: $(W)/chunks.json $(W)/params.json | $(E)
	rm -f $(E)/*/.c$*.ts.*
	$(VT_BIN)/vt-encode -p $(W)/params.json -c $* -d $(E) < $< > $@+
	mv $@+ $@

$(E)/audio.json: $(W)/chunks.json $(W)/params.json | $(E)
	if jq -e '.audio != null' $< > /dev/null; then \
	  $(VT_BIN)/vt-encode --audio -p $(W)/params.json -d $(E) < $< > $@+; \
	else : > $@+; fi
	mv $@+ $@

$(W)/hls.params: FORCE | $(W)
	@echo "format=$(FORMAT)" > $@+
	@$(keep-if-same)

$(W)/hls.json: $(CHUNKS:%=$(E)/c%.json) $(E)/audio.json $(W)/hls.params $(W)/plan.json
	for d in $(OUT)/*p/; do n=$$(basename "$$d"); \
	  [[ $$n =~ ^[0-9]+p$$ ]] && ! jq -e --arg n "$$n" 'any(.rungs[]; .name == $$n)' $(W)/plan.json >/dev/null \
	  && rm -rf -- "$$d"; done; true
	cat $(CHUNKS:%=$(E)/c%.json) $(E)/audio.json | $(VT_BIN)/vt-hls -f $(FORMAT) -d $(OUT) > $@+
	mv $@+ $@

$(OUT)/job.json: $(W)/hls.json $(W)/plan.json $(W)/params.json $(OUT)/probe.json
	jq -n -f $(VT_ROOT)/pipelines/job.jq --arg video $(call sq,$(SRC)) --arg out $(call sq,$(OUT)) \
	    --arg chunk $(CHUNK) --arg format $(FORMAT) --slurpfile params $(W)/params.json \
	    --slurpfile plan $(W)/plan.json --slurpfile probe $(W)/probe.json \
	    --slurpfile hls $(W)/hls.json > $@+
	mv $@+ $@

endif

clean-job:
	rm -rf $(OUT)
.PHONY: clean-job
