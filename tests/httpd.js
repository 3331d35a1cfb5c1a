#!/usr/bin/env node
// A plain HTTP server on loopback for the tests: serves files under --root
// with Range, ETag and If-Range, as web servers do; takes POSTs to
// /hook/NAME into --root/hook/NAME; and injects faults (see faults.js).
//
//   node httpd.js --root DIR --log FILE [--port N]
//
// Prints the port on stdout when it listens.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { Faults, readBody } = require('./faults');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const root = path.resolve(args.root);
const faults = new Faults(args.log);
const types = { '.mp4': 'video/mp4', '.mkv': 'video/x-matroska', '.html': 'text/html', '.json': 'application/json' };

function serve(req, res, fault) {
  const file = path.join(root, decodeURIComponent(req.url.split('?')[0]));
  let st;
  try { st = fs.statSync(file); } catch { st = null; }
  if (!file.startsWith(root + path.sep) || !st || !st.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/html' });
    res.end('<html><body>404 Not Found</body></html>\n');
    return 404;
  }
  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers = {
    'Content-Type': types[path.extname(file)] || 'application/octet-stream',
    'ETag': etag,
    'Last-Modified': st.mtime.toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
  const ifRange = req.headers['if-range'];
  if (m && (!ifRange || ifRange === etag || ifRange === headers['Last-Modified'])) {
    start = Number(m[1]);
    if (m[2]) end = Math.min(end, Number(m[2]));
    if (start >= st.size) {
      res.writeHead(416, { 'Content-Range': `bytes */${st.size}` });
      res.end();
      return 416;
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  }
  headers['Content-Length'] = end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') { res.end(); return status; }
  if (fault && fault.drop === 'half') {
    // Half the answer, then the connection breaks.
    const half = Math.floor((end - start + 1) / 2);
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(half);
    fs.readSync(fd, buf, 0, half, start);
    fs.closeSync(fd);
    res.write(buf, () => setTimeout(() => req.socket.destroy(), 50));
    return status;
  }
  fs.createReadStream(file, { start, end }).pipe(res);
  return status;
}

const server = http.createServer(async (req, res) => {
  const t = Date.now();
  const body = await readBody(req);
  if (faults.control(req, res, body)) return;
  const fault = faults.take(req);
  if (fault && fault.delay) await new Promise(r => setTimeout(r, fault.delay));
  if (fault && fault.drop === true) { req.socket.destroy(); faults.log(req, 0, fault, t); return; }
  if (fault && fault.status) {
    res.writeHead(fault.status, { 'Content-Type': 'text/plain' });
    res.end('injected fault\n');
    faults.log(req, fault.status, fault, t);
    return;
  }
  let status;
  const hook = /^\/hook\/([A-Za-z0-9._-]+)$/.exec(req.url);
  if (req.method === 'POST' && hook) {
    const dir = path.join(root, 'hook');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, hook[1] + '.tmp'), body);
    fs.renameSync(path.join(dir, hook[1] + '.tmp'), path.join(dir, hook[1]));
    fs.writeFileSync(path.join(dir, hook[1] + '.type'), req.headers['content-type'] || '');
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok\n');
    status = 200;
  } else if (req.method === 'GET' || req.method === 'HEAD') {
    status = serve(req, res, fault);
  } else {
    res.writeHead(405);
    res.end();
    status = 405;
  }
  faults.log(req, status, fault, t);
});
server.listen(Number(args.port || 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
