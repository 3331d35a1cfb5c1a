#!/usr/bin/env node
// node tests/browser/audio.js --root OUT --to LANG [--chromium PATH] [--timeout S]
//
// Serves a vt output folder on 127.0.0.1 (tests/browser/origin.js) and
// plays its master.m3u8 with hls.js in headless Chromium (playwright-core):
// once playback advances, it switches the audio track to the first one in
// language LANG, as a player's menu would (nextAudioTrack: at the next
// fragment, without a stall), and waits until hls.js says it switched, a fragment of
// that track is buffered and playback advanced again. Prints what it saw
// as one JSON object: the audio tracks as hls.js read them from the
// master, the track at the start and after the switch, the URLs of the
// audio fragments buffered after the switch, hls.js's error events and
// the server's error answers. tests/audio.bats judges it. Exits 1 only
// if it could not look.
'use strict';

const args = { chromium: '/usr/bin/chromium', timeout: 60 };
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.root || !args.to) {
	console.error('usage: audio.js --root OUT --to LANG [--chromium PATH] [--timeout S]');
	process.exit(64);
}

const failures = [];
const server = require('./origin')({ root: args.root, failures });

// In the page: an hls.js player on /master.m3u8 that notes its audio events.
function start() {
	const video = document.createElement('video');
	video.muted = true;
	document.body.appendChild(video);
	const hls = new Hls();
	window.seen = { errors: [], switches: [], buffered: [] };
	hls.on(Hls.Events.ERROR, (e, d) => seen.errors.push(d.details + (d.fatal ? ' (fatal)' : '')));
	hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (e, d) => seen.switches.push(d.id));
	hls.on(Hls.Events.FRAG_BUFFERED, (e, d) => {
		if (d.frag.type === 'audio')
			seen.buffered.push({ url: new URL(d.frag.url).pathname, after: seen.asked !== undefined });
	});
	hls.loadSource('/master.m3u8');
	hls.attachMedia(video);
	video.play().catch(() => {});
	window.hls = hls;
	window.video = video;
}

async function look(port) {
	const { chromium } = require('playwright-core');
	const browser = await chromium.launch({
		executablePath: args.chromium,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
			'--autoplay-policy=no-user-gesture-required', '--mute-audio'],
	});
	const seen = {};
	try {
		const page = await browser.newPage();
		const wait = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 20000, polling: 100 });
		// an empty page of the server's origin, for hls.js to run in
		await page.route('**/audio.html', (r) => r.fulfill({ contentType: 'text/html',
			body: '<!doctype html><title>audio</title><body></body>' }));
		await page.goto(`http://127.0.0.1:${port}/audio.html`);
		await page.addScriptTag({ url: '/hls.min.js' });
		await page.evaluate(start);
		try {
			await wait(() => hls.audioTracks.length > 0 && video.currentTime > 0.3);
			seen.tracks = await page.evaluate(() => hls.audioTracks.map((t) => ({ name: t.name,
				lang: t.lang, default: t.default, autoselect: t.autoselect,
				characteristics: t.characteristics, channels: t.channels })));
			seen.start = await page.evaluate(() => ({ track: hls.audioTrack, time: video.currentTime }));
			const to = seen.tracks.findIndex((t) => t.lang === args.to);
			await page.evaluate((i) => { seen.asked = i; hls.nextAudioTrack = i; }, to);
			await wait((i) => seen.switches.includes(i) && seen.buffered.some((b) => b.after), to);
			const t = await page.evaluate(() => video.currentTime);
			await wait((t0) => video.currentTime > t0 + 0.5, t);
			seen.switched = await page.evaluate(() => ({ to: seen.asked, track: hls.audioTrack,
				time: video.currentTime }));
		} catch (e) {
			seen.failure = e && e.message ? e.message.split('\n')[0] : String(e);
		}
		const s = await page.evaluate(() => window.seen);
		seen.errors = s.errors;
		seen.buffered = s.buffered.filter((b) => b.after).map((b) => b.url);
	} finally {
		await browser.close();
	}
	return seen;
}

require('./origin').run(server, 'audio.js', args.timeout, look, { failures });
