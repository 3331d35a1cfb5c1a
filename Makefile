# vt: build the tools; with VIDEO=... run the VOD pipeline (pipelines/vod.mk).
SHELL := bash

PREFIX    ?= /usr/local
MANPREFIX ?= $(PREFIX)/share/man
DESTDIR   ?=

CC      ?= cc
PKGS     = libavformat libavcodec libavfilter libavutil libswscale libswresample jansson libcurl
CFLAGS  ?= -O2 -g
VT_CFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -I$(TOP)/lib \
             $(shell pkg-config --cflags $(PKGS))
VT_LDLIBS  = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
SANFLAGS   = -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined,float-cast-overflow

TOP    := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
TOOLS   = $(patsubst $(TOP)/tools/%.c,%,$(wildcard $(TOP)/tools/vt-*.c))
LIBSRC  = $(wildcard $(TOP)/lib/*.c)
LIBHDR  = $(wildcard $(TOP)/lib/*.h)
FUZZ    = $(filter-out harness,$(patsubst $(TOP)/fuzz/%.c,%,$(wildcard $(TOP)/fuzz/*.c)))
FUZZDEP = $(TOP)/fuzz/harness.c $(TOP)/fuzz/fuzz.h $(LIBHDR)
MANS    = $(wildcard $(TOP)/man/*.1)
MAN7    = $(wildcard $(TOP)/man/*.7)

ifdef VIDEO
include $(TOP)/pipelines/vod.mk
else
all: $(TOOLS:%=$(TOP)/bin/%) $(FUZZ:%=$(TOP)/build/fuzz/%)
endif

# lib/ is compiled once into an archive per build flavour (plain, and
# with the sanitizers) that every tool links. Tools are named by absolute
# path, so the pipeline's $(VT_BIN)/vt-x prerequisites find these rules
# from any directory.
$(TOP)/build/%.o: $(TOP)/lib/%.c $(LIBHDR) | $(TOP)/build
	$(CC) $(VT_CFLAGS) $(CFLAGS) -c -o $@+ $< && mv $@+ $@

$(TOP)/build-san/%.o: $(TOP)/lib/%.c $(LIBHDR) | $(TOP)/build-san
	$(CC) $(VT_CFLAGS) $(SANFLAGS) -c -o $@+ $< && mv $@+ $@

$(TOP)/build/libvt.a: $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build/%.o)
	rm -f $@+ && ar rcs $@+ $^ && mv $@+ $@

$(TOP)/build-san/libvt.a: $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build-san/%.o)
	rm -f $@+ && ar rcs $@+ $^ && mv $@+ $@

$(TOP)/bin/%: $(TOP)/tools/%.c $(TOP)/build/libvt.a $(LIBHDR) | $(TOP)/bin
	$(CC) $(VT_CFLAGS) $(CFLAGS) -o $@+ $< $(TOP)/build/libvt.a $(VT_LDLIBS) && mv $@+ $@

$(TOP)/bin-san/%: $(TOP)/tools/%.c $(TOP)/build-san/libvt.a $(LIBHDR) | $(TOP)/bin-san
	$(CC) $(VT_CFLAGS) $(SANFLAGS) -o $@+ $< $(TOP)/build-san/libvt.a $(VT_LDLIBS) && mv $@+ $@

# The fuzz targets (fuzz/*.c, see fuzz/fuzz.h), with a main() that replays
# a corpus, in each flavour for the suite (tests/fuzz.bats).
$(TOP)/build/fuzz/%: $(TOP)/fuzz/%.c $(TOP)/build/libvt.a $(FUZZDEP) | $(TOP)/build/fuzz
	$(CC) $(VT_CFLAGS) $(CFLAGS) -Wl,--wrap=exit -o $@+ $< $(TOP)/fuzz/harness.c $(TOP)/build/libvt.a \
	    $(VT_LDLIBS) && mv $@+ $@

$(TOP)/build-san/fuzz/%: $(TOP)/fuzz/%.c $(TOP)/build-san/libvt.a $(FUZZDEP) | $(TOP)/build-san/fuzz
	$(CC) $(VT_CFLAGS) $(SANFLAGS) -Wl,--wrap=exit -o $@+ $< $(TOP)/fuzz/harness.c \
	    $(TOP)/build-san/libvt.a $(VT_LDLIBS) && mv $@+ $@

# make fuzz: the same targets for libFuzzer (clang), lib/ instrumented for
# coverage. make fuzz-run FUZZ_TIME=S fuzzes each target for S seconds,
# starting from its seed corpus; new inputs go to build-fuzz/corpus/,
# findings to build-fuzz/crash-* (replay one with build-san/fuzz/TARGET FILE).
FUZZCC   ?= clang
FUZZ_TIME ?= 60

$(TOP)/build-fuzz/%.o: $(TOP)/lib/%.c $(LIBHDR) | $(TOP)/build-fuzz
	$(FUZZCC) $(VT_CFLAGS) $(SANFLAGS) -fsanitize=fuzzer-no-link -c -o $@+ $< && mv $@+ $@

$(TOP)/build-fuzz/libvt.a: $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build-fuzz/%.o)
	rm -f $@+ && ar rcs $@+ $^ && mv $@+ $@

$(TOP)/build-fuzz/fuzz/%: $(TOP)/fuzz/%.c $(TOP)/build-fuzz/libvt.a $(FUZZDEP) | $(TOP)/build-fuzz/fuzz
	$(FUZZCC) $(VT_CFLAGS) $(SANFLAGS) -fsanitize=fuzzer -DVT_LIBFUZZER -Wl,--wrap=exit \
	    -o $@+ $< $(TOP)/fuzz/harness.c $(TOP)/build-fuzz/libvt.a $(VT_LDLIBS) && mv $@+ $@

fuzz: $(FUZZ:%=$(TOP)/build-fuzz/fuzz/%)

# A case that fails loses what it allocated (the replay checks for leaks),
# so each target runs in a child process (-fork=1) that is replaced when
# it grows past the memory limit.
fuzz-run: fuzz
	for t in $(FUZZ); do \
	    case $$t in probe|split|decode) c=media ;; *) c=$$t ;; esac; \
	    mkdir -p $(TOP)/build-fuzz/corpus/$$t && \
	    ASAN_OPTIONS=detect_leaks=0 $(TOP)/build-fuzz/fuzz/$$t -max_total_time=$(FUZZ_TIME) \
	        -fork=1 -ignore_ooms=1 -rss_limit_mb=2048 -timeout=25 -detect_leaks=0 \
	        -close_fd_mask=3 -artifact_prefix=$(TOP)/build-fuzz/crash-$$t- \
	        $(TOP)/build-fuzz/corpus/$$t $(TOP)/fuzz/corpus/$$c || exit; \
	done

$(TOP)/bin $(TOP)/bin-san $(TOP)/build $(TOP)/build-san $(TOP)/build-fuzz \
$(TOP)/build/fuzz $(TOP)/build-san/fuzz $(TOP)/build-fuzz/fuzz:
	mkdir -p $@

.SECONDARY: $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build/%.o) $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build-san/%.o) \
    $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build-fuzz/%.o)

sanitize: $(TOOLS:%=$(TOP)/bin-san/%) $(FUZZ:%=$(TOP)/build-san/fuzz/%)

# Both builds at once, one job per core; then the suite on each, two test
# files at a time (many wait on real-time streams rather than the CPU).
# The cluster tests, the browser players and the other readers run on bin
# only, to keep the suite in CI's time: the first test the scripts and
# Slurm around the tools, which run under the sanitizers in the rest of
# the suite (vod.bats runs the same pipeline, vt-put.bats the S3 fetches);
# the others, players' and readers' view of output that is the same, byte
# for byte, from bin-san.
PLAIN_ONLY = $(TOP)/tests/slurm.bats $(TOP)/tests/slurm-stage.bats $(TOP)/tests/player.bats \
    $(TOP)/tests/conformance.bats
check:
	$(MAKE) -j$$(nproc) all sanitize
	BATS_JOBS=$${BATS_JOBS:-2} tests/run bin
	BATS_JOBS=$${BATS_JOBS:-2} ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 tests/run bin-san \
	    $(filter-out $(PLAIN_ONLY),$(wildcard $(TOP)/tests/*.bats))

check-plain: all
	tests/run bin

check-san: sanitize
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run bin-san

demo: all
	$(MAKE) -j4 VIDEO="$$(scripts/make-sample samples/sample.mp4)" RES=720p,480p,360p
	@echo "demo: out/sample/master.m3u8"

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man7 \
	    $(DESTDIR)$(PREFIX)/share/vt/pipelines
	install -m 755 $(TOOLS:%=$(TOP)/bin/%) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(MANS) $(DESTDIR)$(MANPREFIX)/man1/
	install -m 644 $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/
	install -m 755 $(TOP)/pipelines/failed $(TOP)/pipelines/optional $(TOP)/pipelines/publish $(TOP)/pipelines/notify $(TOP)/pipelines/launch $(TOP)/pipelines/stage $(DESTDIR)$(PREFIX)/share/vt/pipelines/
	install -m 644 $(TOP)/pipelines/*.mk $(TOP)/pipelines/*.jq $(DESTDIR)$(PREFIX)/share/vt/pipelines/
	mkdir -p $(DESTDIR)$(PREFIX)/share/vt/live
	install -m 755 $(TOP)/scripts/vt-live $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(TOP)/live/nginx.conf.in $(TOP)/live/vt-live.jq $(DESTDIR)$(PREFIX)/share/vt/live/
	install -m 755 $(TOP)/live/auth $(DESTDIR)$(PREFIX)/share/vt/live/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) $(DESTDIR)$(PREFIX)/bin/vt-live \
	    $(MANS:$(TOP)/man/%=$(DESTDIR)$(MANPREFIX)/man1/%) \
	    $(MAN7:$(TOP)/man/%=$(DESTDIR)$(MANPREFIX)/man7/%)
	rm -rf $(DESTDIR)$(PREFIX)/share/vt

clean:
	rm -rf bin bin-san build build-san build-fuzz

.PHONY: all sanitize fuzz fuzz-run check check-plain check-san demo install uninstall clean
