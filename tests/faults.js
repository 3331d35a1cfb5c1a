// Faults and a request log for the test servers (s3d.js, httpd.js).
//
// POST /__vt/faults with a JSON array of rules (or one rule) queues them;
// DELETE /__vt/faults clears them. A rule applies to requests whose
// "METHOD /path?query" matches its regular expression "match" (default:
// all), "count" times (default 1), after letting "skip" of them through:
//   {"status": 503}     answer with that status and an S3 error body
//   {"drop": true}      close the connection without an answer
//   {"drop": "half"}    send the headers and half the body, then close
//                       (httpd.js only; the half of the whole answer)
//   {"delay": ms}       wait before answering normally
// Every request is logged as one JSON line: t (ms since the epoch when it
// came), end, method, path, query, status, fault.
'use strict';

const fs = require('fs');

class Faults {
  constructor(logPath) {
    this.rules = [];
    this.logPath = logPath;
  }

  // control(req, res): handle /__vt/ requests; true if it did.
  control(req, res, body) {
    if (!req.url.startsWith('/__vt/faults')) return false;
    if (req.method === 'DELETE') this.rules = [];
    else if (req.method === 'POST') {
      const rules = [].concat(JSON.parse(body.toString() || '[]'));
      for (const r of rules) {
        this.rules.push({ count: 1, skip: 0, ...r, re: new RegExp(r.match || '') });
      }
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(this.rules.map(({ re, ...r }) => r)));
    return true;
  }

  // take(req): the rule that applies to this request, if any, used up.
  take(req) {
    const line = `${req.method} ${req.url}`;
    for (const r of this.rules) {
      if (r.count <= 0 || !r.re.test(line)) continue;
      if (r.skip > 0) { r.skip--; continue; }
      r.count--;
      return r;
    }
    return null;
  }

  log(req, status, fault, t) {
    if (!this.logPath) return;
    const q = req.url.indexOf('?');
    const entry = {
      t,
      end: Date.now(),
      method: req.method,
      host: req.headers.host,
      path: decodeURIComponent(q < 0 ? req.url : req.url.slice(0, q)),
      query: q < 0 ? '' : req.url.slice(q + 1),
      status,
      range: req.headers.range,
      fault: fault ? Object.keys(fault).filter(k => !['re', 'count', 'skip', 'match'].includes(k)).join(',') : undefined,
    };
    fs.appendFileSync(this.logPath, JSON.stringify(entry) + '\n');
  }
}

function s3error(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error>`);
}

// readBody(req): the whole request body as a Buffer.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

module.exports = { Faults, s3error, readBody };
