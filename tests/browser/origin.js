// The web server the player pages are tried against, as nginx serves
// vt's output: a folder, examples/player.html as /player.html and hls.js
// as /hls.min.js, tests/browser/shaka.html with Shaka Player beside it,
// and with playlists ("HOST:PORT"), media playlist requests, query
// included, sent on to vt-hls --listen there, or read from the files when
// it answers 404 or is gone, as nginx does.
// Used by tests/browser/player.js and scripts/player-latency.js.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

const types = {
	'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json',
	'.m3u8': 'application/vnd.apple.mpegurl', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4',
	'.ts': 'video/mp2t', '.vtt': 'text/vtt; charset=utf-8', '.jpg': 'image/jpeg',
};
const fixed = {
	'/player.html': path.join(__dirname, '../../examples/player.html'),
	'/hls.min.js': path.join(__dirname, 'node_modules/hls.js/dist/hls.min.js'),
	'/shaka.html': path.join(__dirname, 'shaka.html'),
	'/shaka-player.compiled.js': path.join(__dirname, 'node_modules/shaka-player/dist/shaka-player.compiled.js'),
};

// as nginx under vt-live: when vt-hls answers 404 or none runs, as after
// the stream's end, the playlist comes from the file (fallback)
function proxy(to, req, res, fallback) {
	const [host, port] = to.split(':');
	const up = http.get({ host, port, path: req.url }, (r) => {
		if (r.statusCode === 404) {
			r.resume();
			return fallback();
		}
		res.writeHead(r.statusCode, { 'Content-Type': r.headers['content-type'] || 'text/plain',
			'Cache-Control': 'no-store' });
		r.pipe(res);
	});
	up.on('error', () => (res.headersSent ? res.destroy() : fallback()));
}

// origin({ root, playlists, requests, failures }): an http.Server, not
// listening yet; every request's path and query is pushed onto requests
// if given, "STATUS PATH" of every one answered with an error onto
// failures, and "PATH FIRST-LAST" of every byte range asked for onto
// ranges.
module.exports = function origin(o) {
	const root = path.resolve(o.root);
	return http.createServer((req, res) => {
		const u = new URL(req.url, 'http://x'), p = decodeURIComponent(u.pathname);
		const file = fixed[p] || path.join(root, p);
		if (o.requests)
			o.requests.push(p + u.search);
		if (o.failures)
			res.on('finish', () => {
				if (res.statusCode >= 400)
					o.failures.push(`${res.statusCode} ${p}${u.search}`);
			});
		if (!fixed[p] && !file.startsWith(root + path.sep))
			return res.writeHead(403).end();
		const serve = () => fs.readFile(file, (err, data) => {
			if (err)
				return res.writeHead(404).end();
			const head = { 'Content-Type': types[path.extname(file)] || 'application/octet-stream',
				'Cache-Control': 'no-store', 'Accept-Ranges': 'bytes' };
			// one byte range, as I-frame playlists ask
			const r = /^bytes=([0-9]+)-([0-9]*)$/.exec(req.headers.range || '');
			if (!r)
				return res.writeHead(200, head).end(data);
			const from = Number(r[1]), to = Math.min(r[2] ? Number(r[2]) : Infinity, data.length - 1);
			if (o.ranges)
				o.ranges.push(`${p} ${from}-${to}`);
			if (from > to)
				return res.writeHead(416, { 'Content-Range': `bytes */${data.length}` }).end();
			res.writeHead(206, Object.assign(head, { 'Content-Range': `bytes ${from}-${to}/${data.length}` }));
			res.end(data.subarray(from, to + 1));
		});
		if (o.playlists && /\/index\.m3u8$/.test(p))
			return proxy(o.playlists, req, res, serve);
		serve();
	});
};

// run(server, name, seconds, look, extra): serve on a free loopback port,
// give look(port) at most seconds, and print what it saw, with extra's
// fields, as one JSON line; exit 1 with one line when it fails or hangs.
module.exports.run = function run(server, name, seconds, look, extra) {
	server.listen(0, '127.0.0.1', () => {
		const timer = setTimeout(() => {
			console.error(`${name}: gave up after ${seconds} s`);
			process.exit(1);
		}, seconds * 1000);
		look(server.address().port).then((seen) => {
			Object.assign(seen, extra);
			process.stdout.write(JSON.stringify(seen) + '\n');
			clearTimeout(timer);
			server.close();
		}, (e) => {
			console.error(`${name}: ` + (e && e.message ? e.message.split('\n')[0] : e));
			process.exit(1);
		});
	});
};
