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
SANFLAGS   = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

TOP    := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
TOOLS   = $(patsubst $(TOP)/tools/%.c,%,$(wildcard $(TOP)/tools/vt-*.c))
LIBSRC  = $(wildcard $(TOP)/lib/*.c)
LIBHDR  = $(wildcard $(TOP)/lib/*.h)
MANS    = $(wildcard $(TOP)/man/*.1)
MAN7    = $(wildcard $(TOP)/man/*.7)

ifdef VIDEO
include $(TOP)/pipelines/vod.mk
else
all: $(TOOLS:%=$(TOP)/bin/%)
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

$(TOP)/bin $(TOP)/bin-san $(TOP)/build $(TOP)/build-san:
	mkdir -p $@

.SECONDARY: $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build/%.o) $(LIBSRC:$(TOP)/lib/%.c=$(TOP)/build-san/%.o)

sanitize: $(TOOLS:%=$(TOP)/bin-san/%)

# Both builds at once, one job per core; then the suite on each, two test
# files at a time (many wait on real-time streams rather than the CPU).
check:
	$(MAKE) -j$$(nproc) all sanitize
	BATS_JOBS=$${BATS_JOBS:-2} tests/run bin
	BATS_JOBS=$${BATS_JOBS:-2} ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 tests/run bin-san

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
	install -m 755 $(TOP)/pipelines/failed $(TOP)/pipelines/optional $(TOP)/pipelines/publish $(TOP)/pipelines/notify $(DESTDIR)$(PREFIX)/share/vt/pipelines/
	install -m 644 $(TOP)/pipelines/*.mk $(TOP)/pipelines/*.jq $(DESTDIR)$(PREFIX)/share/vt/pipelines/
	mkdir -p $(DESTDIR)$(PREFIX)/share/vt/live
	install -m 755 $(TOP)/scripts/vt-live $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(TOP)/live/nginx.conf.in $(DESTDIR)$(PREFIX)/share/vt/live/
	install -m 755 $(TOP)/live/auth $(DESTDIR)$(PREFIX)/share/vt/live/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) $(DESTDIR)$(PREFIX)/bin/vt-live \
	    $(MANS:$(TOP)/man/%=$(DESTDIR)$(MANPREFIX)/man1/%) \
	    $(MAN7:$(TOP)/man/%=$(DESTDIR)$(MANPREFIX)/man7/%)
	rm -rf $(DESTDIR)$(PREFIX)/share/vt

clean:
	rm -rf bin bin-san build build-san

.PHONY: all sanitize check check-plain check-san demo install uninstall clean
