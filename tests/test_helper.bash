# Shared setup for the vt bats suite: every test file loads this. The
# helpers live in tests/helpers/, one file per concern.

bats_require_minimum_version 1.5.0

VT_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
VT_BIN=${VT_BIN:-$VT_ROOT/bin}
PATH=$VT_BIN:/usr/local/bin:/usr/bin:/bin
export VT_ROOT VT_BIN PATH
# A sanitizer build must fail the test, not just print.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Fixtures are generated once per suite run; tests/run shares one cache
# between parallel bats processes through VT_FIXTURES.
VT_FIXTURES=${VT_FIXTURES:-$BATS_RUN_TMPDIR/fixtures}
export VT_FIXTURES

# vt_test_setup: each test in a fresh folder with its own HOME; S is the
# folder the test file's setup_file shares. A file that needs more in its
# setup() calls this first.
vt_test_setup() {
	cd "$BATS_TEST_TMPDIR" || return
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	# shellcheck disable=SC2034 # S: for the tests
	S=$BATS_FILE_TMPDIR
}

setup() {
	vt_test_setup
}

load helpers/assert
load helpers/media
load helpers/hls
load helpers/fixtures
load helpers/pipeline
load helpers/ladder
load helpers/servers
load helpers/s3
load helpers/man
load helpers/browser
