#!/usr/bin/env node
// node tests/browser/trick.js --root OUT [--rate R] [--chromium PATH] [--timeout S]
//
// Shaka Player's trick play on a vt output folder: tests/browser/shaka.html
// in headless Chromium plays OUT/master.m3u8 from a server that answers
// byte ranges (tests/browser/origin.js); once playback advances, it asks
// for trickPlay(R) (default 4), which takes each variant's I-frame stream,
// and for normal play again after some seconds, to the end. Prints what it
// saw as one JSON object: the trick streams Shaka found, the times, its
// errors, the requests and byte ranges served. tests/iframe.bats judges
// it. Exits 1 only if it could not look.
'use strict';

const args = { chromium: '/usr/bin/chromium', timeout: 60, rate: 4 };
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.root) {
	console.error('usage: trick.js --root OUT [--rate R] [--chromium PATH] [--timeout S]');
	process.exit(64);
}

const requests = [], failures = [], ranges = [];
const server = require('./origin')({ root: args.root, requests, failures, ranges });

async function look(port) {
	const { chromium } = require('playwright-core');
	const browser = await chromium.launch({
		executablePath: args.chromium,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
			'--autoplay-policy=no-user-gesture-required', '--mute-audio'],
	});
	const seen = { pageErrors: [] };
	try {
		const page = await browser.newPage();
		const wait = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 20000, polling: 100 });
		page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
		// a short buffer, so that the I-frames are fetched
		await page.goto(`http://127.0.0.1:${port}/shaka.html?goal=1`);
		try {
			await wait(() => window.sp && (sp.loaded || sp.errors.length > 0));
			seen.trickStreams = await page.evaluate(() => sp.player.getManifest().variants
				.filter((v) => v.video && v.video.trickModeVideo)
				.map((v) => ({ height: v.video.height, trick: v.video.trickModeVideo.height,
					codecs: v.video.trickModeVideo.codecs })));
			await wait(() => sp.video.currentTime > 0.5);
			seen.before = await page.evaluate(() => sp.video.currentTime);
			const served = ranges.length;
			await page.evaluate((r) => sp.player.trickPlay(Number(r)), args.rate);
			await wait((t) => sp.video.currentTime > t + 3 || sp.video.ended, seen.before);
			seen.trick = await page.evaluate(() => ({ time: sp.video.currentTime,
				rate: sp.player.getPlaybackRate(),
				frames: sp.video.getVideoPlaybackQuality().totalVideoFrames }));
			seen.rangesInTrick = ranges.length - served;
			await page.evaluate(() => sp.player.cancelTrickPlay());
			seen.after = await page.evaluate(() => ({ rate: sp.player.getPlaybackRate(),
				time: sp.video.currentTime }));
			// normal play goes on to the end
			await wait(() => sp.video.ended);
			seen.end = await page.evaluate(() => ({ time: sp.video.currentTime,
				duration: sp.video.duration,
				frames: sp.video.getVideoPlaybackQuality().totalVideoFrames }));
		} catch (e) {
			seen.failure = e && e.message ? e.message.split('\n')[0] : String(e);
		}
		seen.errors = await page.evaluate(() => sp.errors);
	} finally {
		await browser.close();
	}
	return seen;
}

require('./origin').run(server, 'trick.js', args.timeout, look, { requests, failures, ranges });
