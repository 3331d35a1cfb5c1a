#!/usr/bin/env node
// node scripts/player-latency.js --root DIR [--playlists HOST:PORT] [--seconds S]
//                                 [--chromium PATH]
//
// Serves a live output folder on 127.0.0.1 with examples/player.html and
// hls.js (from tests/browser/node_modules, which scripts/install-deps
// installs), as nginx does for vt-live: media playlists, with their query,
// from vt-hls --listen at HOST:PORT if given (LL-HLS), everything else from
// the folder. Opens the page in headless Chromium at hls.js's default
// settings, and samples once a second how far behind the live edge the
// player is: hls.js's own latency (hls.latency: its estimate of the live
// edge minus the playhead), and the wall clock minus the program date
// time of the frame on screen. Prints one JSON object with the medians;
// exits 1 if it could not look.
'use strict';

const path = require('path');

const top = path.join(__dirname, '..');
const mods = path.join(top, 'tests/browser/node_modules');
const args = { chromium: '/usr/bin/chromium', seconds: 15 };
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.root) {
	console.error('usage: player-latency.js --root DIR [--playlists HOST:PORT] [--seconds S] [--chromium PATH]');
	process.exit(64);
}
let chromium;
try {
	({ chromium } = require(path.join(mods, 'playwright-core')));
} catch (e) {
	console.error('player-latency: playwright-core not found; run scripts/install-deps');
	process.exit(69);
}

const server = require(path.join(top, 'tests/browser/origin.js'))({ root: args.root,
	playlists: args.playlists });

function median(a) {
	const s = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
	return s.length ? s[Math.floor(s.length / 2)] : null;
}

server.listen(0, '127.0.0.1', async () => {
	const url = `http://127.0.0.1:${server.address().port}/player.html`;
	const browser = await chromium.launch({ executablePath: args.chromium,
		args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
	const out = { hls_latency: [], pdt_latency: [], errors: [] };
	try {
		const page = await browser.newPage();
		await page.goto(url);
		await page.waitForFunction(() => window.player && window.player.hls, null, { timeout: 20000 });
		await page.evaluate(() => {
			window.seenErrors = [];
			window.player.hls.on('hlsError', (e, d) => window.seenErrors.push(d.details));
			window.player.video.muted = true;
			window.player.video.play().catch(() => {});
		});
		for (let i = 0; i < +args.seconds; i++) {
			await page.waitForTimeout(1000);
			const s = await page.evaluate(() => {
				const h = window.player.hls, v = window.player.video;
				return { now: Date.now(), pd: h.playingDate ? h.playingDate.getTime() : null,
					hl: h.latency, t: v.currentTime, target: h.targetLatency };
			});
			if (s.t > 0) {
				out.hls_latency.push(s.hl);
				if (s.pd)
					out.pdt_latency.push((s.now - s.pd) / 1000);
				out.target = s.target;
			}
		}
		out.errors = await page.evaluate(() => window.seenErrors);
	} finally {
		await browser.close();
		server.close();
	}
	console.log(JSON.stringify({ hls_latency: median(out.hls_latency), pdt_latency: median(out.pdt_latency),
		target_latency: out.target, samples: out.hls_latency.length, errors: out.errors }));
	process.exit(out.hls_latency.length ? 0 : 1);
});
