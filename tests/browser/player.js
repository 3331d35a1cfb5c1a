#!/usr/bin/env node
// node tests/browser/player.js --root OUT [--live 1] [--playlists HOST:PORT]
//                               [--pages hls,shaka]
//                               [--chromium PATH] [--screenshot FILE]
//
// Serves a vt output folder on 127.0.0.1, with examples/player.html as
// /player.html and hls.js as /hls.min.js, opens the page in headless
// Chromium (playwright-core) and drives it: playback starts and advances,
// the quality menu switches to another rung, the seek bar's preview shows
// a sprite tile, the chapters are listed. With --live, the folder is a
// live stream's: playback starts and advances, and the page shows how far
// behind the live edge it is; with --playlists, media playlist requests
// (and their LL-HLS query) go to vt-hls --listen there, as nginx sends them
// under vt-live. With --pages shaka, Shaka Player plays the folder too,
// in a page of its own (tests/browser/shaka.html), after or instead of
// the hls.js page. In every page, where the first frame and the buffered
// ranges of each SourceBuffer begin on the timeline.
// Prints what it saw as one JSON object (Shaka's under .shaka);
// tests/player.bats judges it. Exits 1 only if it could not look.
'use strict';

const args = { chromium: '/usr/bin/chromium', timeout: 60, pages: 'hls' };
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.root) {
	console.error('usage: player.js --root OUT [--live 1] [--playlists HOST:PORT] [--chromium PATH] ' +
		'[--pages hls,shaka] [--screenshot FILE] [--timeout S]');
	process.exit(64);
}

const requests = [], failures = [];
const server = require('./origin')({ root: args.root, playlists: args.playlists, requests, failures });

// The VOD checks: play, switch rungs in the menu, chapters, sprite preview.
async function vod(page, wait, seen) {
	seen.menu = await page.$$eval('#quality option', (os) => os.map((o) => o.value));

	// Playback starts and advances.
	await wait(() => player.video.currentTime > 0.5);
	const t0 = await page.evaluate(() => player.video.currentTime);
	await wait((t) => player.video.currentTime > t + 1, t0);
	seen.start = await page.evaluate(() => ({
		time: player.video.currentTime, level: player.hls.currentLevel,
		height: player.video.videoHeight, paused: player.video.paused }));
	seen.timeline = await timeline(page);

	// Another rung, chosen in the quality menu: hls.js says it switched,
	// the frames shown come from it, and playback goes on.
	const to = seen.levels.find((l) => l.height !== seen.start.height).index;
	await page.selectOption('#quality', String(to));
	await wait((i) => player.switched.includes(i), to);
	await wait((i) => player.video.videoHeight === player.levels[i].height, to);
	const t1 = await page.evaluate(() => player.video.currentTime);
	await wait((t) => player.video.currentTime > t + 1, t1);
	seen.switch = await page.evaluate((i) => ({
		to: i, switched: player.switched, currentLevel: player.hls.currentLevel,
		height: player.video.videoHeight, time: player.video.currentTime,
		frames: player.video.getVideoPlaybackQuality().totalVideoFrames }), to);

	// The chapters, and the sprite tile under the pointer at 55% of the bar.
	await wait(() => player.sprites.length > 0 && player.chapters.length > 0, null, 10);
	seen.chapters = await page.$$eval('#chapters li', (ls) => ls.map((l) => l.textContent));
	const bar = await page.locator('#seek').boundingBox();
	await page.mouse.move(bar.x + bar.width * 0.55, bar.y + bar.height / 2);
	seen.preview = await page.evaluate(() => {
		const tile = document.getElementById('tile'), cs = getComputedStyle(tile);
		return { time: player.preview.time, duration: player.video.duration,
			shown: document.getElementById('preview').classList.contains('on'),
			image: cs.backgroundImage, position: cs.backgroundPosition,
			width: cs.width, height: cs.height,
			text: document.getElementById('preview-text').textContent };
	});
	seen.spriteLoaded = await page.evaluate((u) => new Promise((ok) => {
		const i = new Image();
		i.onload = () => ok([i.naturalWidth, i.naturalHeight]);
		i.onerror = () => ok(null);
		i.src = u;
	}), seen.preview.image.replace(/^url\("?|"?\)$/g, ''));
}

// The live checks: playback advances, and the latency shows.
async function live(page, wait, seen) {
	await wait(() => player.video.currentTime > 0.5);
	const t = await page.evaluate(() => player.video.currentTime);
	await wait((t0) => player.video.currentTime > t0 + 1 &&
		/^[0-9]+[.][0-9]$/.test(document.getElementById('latency').textContent), t);
	// hls.js settles on its distance from the live edge in a few seconds.
	await page.waitForTimeout(3000);
	seen.liveView = await page.evaluate(() => ({ time: player.video.currentTime,
		latency: player.hls.latency, targetLatency: player.hls.targetLatency,
		lowLatencyMode: player.hls.config.lowLatencyMode,
		shown: !document.getElementById('live').hidden,
		text: document.getElementById('live').textContent }));
	seen.timeline = await timeline(page);
}

// Before any script of the page: every SourceBuffer the player makes,
// with its type, the media time of the first frame shown, and where the
// player seeked to (a gap jumped is a seek).
function watchTimeline() {
	const vt = window.vtTimeline = { buffers: [], firstFrame: null, playing: null, seeks: [] };
	const add = MediaSource.prototype.addSourceBuffer;
	MediaSource.prototype.addSourceBuffer = function (type) {
		const sb = add.call(this, type);
		vt.buffers.push({ type, sb });
		return sb;
	};
	document.addEventListener('DOMContentLoaded', () => {
		const v = document.querySelector('video');
		v.requestVideoFrameCallback((now, m) => { vt.firstFrame = m.mediaTime; });
		v.addEventListener('playing', () => {
			if (vt.playing === null)
				vt.playing = v.currentTime;
		});
		v.addEventListener('seeking', () => vt.seeks.push(v.currentTime));
	});
}

// timeline(page): the first frame's media time, where playback began,
// and each SourceBuffer's buffered ranges.
function timeline(page) {
	return page.evaluate(() => ({
		firstFrame: vtTimeline.firstFrame, playing: vtTimeline.playing, seeks: vtTimeline.seeks,
		buffers: vtTimeline.buffers.map((b) => {
			let ranges = null;
			try {
				ranges = Array.from({ length: b.sb.buffered.length },
					(_, i) => [b.sb.buffered.start(i), b.sb.buffered.end(i)]);
			} catch (e) { /* removed from its MediaSource */ }
			return { type: b.type, ranges };
		}),
	}));
}

// A page of the browser at url, and a wait(fn, arg, s) for it.
async function open(browser, url, seen) {
	const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
	const wait = (fn, arg, s) => page.waitForFunction(fn, arg, { timeout: (s || 20) * 1000, polling: 100 });
	page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error') seen.console.push(m.text()); });
	await page.addInitScript(watchTimeline);
	await page.goto(url);
	return { page, wait };
}

// The hls.js page, examples/player.html.
async function hlsPage(browser, port) {
	const seen = { pageErrors: [], console: [] };
	let page, wait;
	try {
		({ page, wait } = await open(browser, `http://127.0.0.1:${port}/player.html`, seen));
		await wait(() => window.player && player.levels.length > 0);
		seen.levels = await page.evaluate(() => player.levels);
		await (args.live ? live : vod)(page, wait, seen);
	} catch (e) {
		// what was seen so far, and where it stopped
		seen.failure = e && e.message ? e.message.split('\n')[0] : String(e);
	}
	if (!page)
		return seen;
	if (args.screenshot)
		await page.screenshot({ path: args.screenshot });
	seen.errors = await page.evaluate(() => player.errors);
	seen.live = await page.evaluate(() => player.live);
	seen.state = await page.evaluate(() => ({ time: player.video.currentTime,
		paused: player.video.paused, readyState: player.video.readyState,
		status: document.getElementById('status').textContent }));
	return seen;
}

// Shaka Player's page: playback starts and advances, frames are shown,
// and what its statistics say.
async function shakaPage(browser, port) {
	const seen = { pageErrors: [], console: [] };
	let page, wait;
	try {
		({ page, wait } = await open(browser, `http://127.0.0.1:${port}/shaka.html`, seen));
		await wait(() => window.sp && (sp.loaded || sp.errors.length > 0));
		await wait(() => sp.video.currentTime > 0.5);
		const t0 = await page.evaluate(() => sp.video.currentTime);
		await wait((t) => sp.video.currentTime > t + 1, t0);
		seen.start = await page.evaluate(() => ({ time: sp.video.currentTime,
			paused: sp.video.paused, width: sp.video.videoWidth, height: sp.video.videoHeight,
			frames: sp.video.getVideoPlaybackQuality().totalVideoFrames }));
		seen.timeline = await timeline(page);
		// and a second more, for the statistics to settle
		const t1 = await page.evaluate(() => sp.video.currentTime);
		await wait((t) => sp.video.currentTime > t + 1, t1);
	} catch (e) {
		seen.failure = e && e.message ? e.message.split('\n')[0] : String(e);
	}
	if (!page)
		return seen;
	Object.assign(seen, await page.evaluate(() => {
		const s = sp.player.getStats(), r = sp.player.seekRange();
		return { errors: sp.errors, gapsJumped: sp.gapsJumped, live: sp.player.isLive(),
			duration: sp.video.duration, seekRange: [r.start, r.end],
			stats: { width: s.width, height: s.height, decodedFrames: s.decodedFrames,
				droppedFrames: s.droppedFrames, gapsJumped: s.gapsJumped,
				stallsDetected: s.stallsDetected, loadLatency: s.loadLatency,
				playTime: s.playTime, streamBandwidth: s.streamBandwidth },
			state: { time: sp.video.currentTime, paused: sp.video.paused,
				readyState: sp.video.readyState } };
	}));
	return seen;
}

async function look(port) {
	const { chromium } = require('playwright-core');
	const browser = await chromium.launch({
		executablePath: args.chromium,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
			'--autoplay-policy=no-user-gesture-required', '--mute-audio'],
	});
	try {
		// one after the other: two players at once could starve each other
		const seen = {};
		for (const p of args.pages.split(','))
			seen[p] = await (p === 'shaka' ? shakaPage : hlsPage)(browser, port);
		return Object.assign(seen.hls || {}, seen.shaka ? { shaka: seen.shaka } : {});
	} finally {
		await browser.close();
	}
}

require('./origin').run(server, 'player.js', args.timeout, look, { requests, failures });
