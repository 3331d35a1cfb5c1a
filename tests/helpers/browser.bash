# The players' browser tests: Debian's chromium driven by playwright-core
# from tests/browser/node_modules.

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# need_browser: skip without chromium, node or the npm packages (installed
# by scripts/install-deps); in CI their absence is a failure.
need_browser() {
	local why=
	[ -x "$CHROMIUM" ] || why="no $CHROMIUM"
	command -v node >/dev/null || why="no node"
	[ -d "$VT_ROOT/tests/browser/node_modules/playwright-core" ] &&
		[ -f "$VT_ROOT/tests/browser/node_modules/hls.js/dist/hls.min.js" ] &&
		[ -f "$VT_ROOT/tests/browser/node_modules/shaka-player/dist/shaka-player.compiled.js" ] ||
		why="no tests/browser/node_modules (scripts/install-deps)"
	[ -z "$why" ] && return
	[ -z "${CI:-}" ] || { echo "$(basename "$BATS_TEST_FILENAME"): $why" >&2; return 1; }
	skip "$why"
}
