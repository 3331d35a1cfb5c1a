#!/usr/bin/env node
// An S3-compatible server on loopback for the tests: s3rver, or MinIO
// given as --upstream, behind a front that checks each request's AWS
// Signature V4 and payload hash itself (s3rver checks neither), logs it
// and can inject faults (see faults.js).
//
//   node s3d.js --dir DIR --log FILE --key KEY:SECRET[:TOKEN] --bucket NAME
//               [--upstream URL] [--port N] [--page N]
//
// Prints the port on stdout when it listens. s3rver lacks
// ListMultipartUploads and AbortMultipartUpload; they are added here on its
// own store, as S3 answers them. --page N makes s3rver's listings (objects
// and uploads) N entries a page, so that clients must follow the pages.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { Faults, s3error, readBody } = require('./faults');

const args = { key: [], bucket: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (Array.isArray(args[k])) args[k].push(process.argv[i + 1]);
  else args[k] = process.argv[i + 1];
}
const keys = new Map(args.key.map(k => {
  const [id, secret, token] = k.split(':');
  return [id, { secret, token }];
}));
const faults = new Faults(args.log);

// --- SigV4, after AWS's documentation -----------------------------------

const enc = s => encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
const sha256 = b => crypto.createHash('sha256').update(b).digest('hex');

function canonicalQuery(q) {
  if (!q) return '';
  return q.split('&').filter(Boolean).map(p => {
    const i = p.indexOf('=');
    const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
    const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, '%20'));
    return [enc(k), enc(v)];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

// verify(req, body): null if the signature is right, else [status, code, message].
function verify(req, body) {
  const auth = req.headers.authorization;
  if (!auth) return [403, 'AccessDenied', 'Anonymous access is forbidden'];
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed'];
  const [, id, date, region, signed, signature] = m;
  const k = keys.get(id);
  if (!k) return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  const amzDate = req.headers['x-amz-date'] || '';
  if (!amzDate.startsWith(date)) return [403, 'AccessDenied', 'x-amz-date does not match the credential date'];
  const payload = req.headers['x-amz-content-sha256'];
  if (!payload) return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
  if (payload !== 'UNSIGNED-PAYLOAD' && payload !== sha256(body)) {
    return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
  }
  const names = signed.split(';');
  for (const need of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!names.includes(need)) return [403, 'AccessDenied', `${need} is not signed`];
  }
  if (k.token && req.headers['x-amz-security-token'] !== k.token) {
    return [403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.'];
  }
  if (k.token && !names.includes('x-amz-security-token')) return [403, 'AccessDenied', 'x-amz-security-token is not signed'];
  const q = req.url.indexOf('?');
  const canonical = [
    req.method,
    q < 0 ? req.url : req.url.slice(0, q),
    canonicalQuery(q < 0 ? '' : req.url.slice(q + 1)),
    names.map(n => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signed,
    payload,
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac('AWS4' + k.secret, date);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  if (hmac(key, toSign).toString('hex') !== signature) {
    return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  }
  return null;
}

// --- s3rver, with what it lacks ------------------------------------------

async function startS3rver() {
  const S3rver = require('s3rver');
  const AWSAccount = require('s3rver/lib/models/account');
  for (const [id, { secret }] of keys) AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: args.dir,
    serviceEndpoint: 'localhost',
    configureBuckets: args.bucket.map(name => ({ name })),
  });
  const uploads = bucket => path.join(args.dir, bucket, '._S3rver_uploads');
  const xml = s => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Before s3rver's router: S3's ListMultipartUploads and AbortMultipartUpload.
  server.middleware.unshift(async (ctx, next) => {
    const m = /^\/([^/]+)(?:\/(.*))?$/.exec(ctx.path);
    if (!m) return next();
    const [, bucket, key] = m;
    if (ctx.method === 'GET' && !key && 'uploads' in ctx.query) {
      const dir = uploads(bucket);
      const prefix = ctx.query.prefix || '';
      const km = ctx.query['key-marker'] || '', im = ctx.query['upload-id-marker'] || '';
      const all = fs.existsSync(dir) ? fs.readdirSync(dir)
        .filter(id => fs.existsSync(path.join(dir, id, 'key')))
        .map(id => ({ id, key: fs.readFileSync(path.join(dir, id, 'key'), 'utf8') }))
        .filter(u => u.key.startsWith(prefix) && (u.key > km || (u.key === km && u.id > im)))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1)) : [];
      const list = all.slice(0, Number(args.page) || 1000);
      const last = list[list.length - 1];
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>' +
        `<Bucket>${xml(bucket)}</Bucket><Prefix>${xml(prefix)}</Prefix>` +
        (list.length < all.length ? `<IsTruncated>true</IsTruncated><NextKeyMarker>${xml(last.key)}` +
          `</NextKeyMarker><NextUploadIdMarker>${last.id}</NextUploadIdMarker>` : '<IsTruncated>false</IsTruncated>') +
        list.map(u => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.id}</UploadId></Upload>`).join('') +
        '</ListMultipartUploadsResult>';
      return undefined;
    }
    if (key && ctx.query.uploadId && ['PUT', 'POST', 'DELETE'].includes(ctx.method)) {
      const dir = path.join(uploads(bucket), path.basename(ctx.query.uploadId));
      if (!fs.existsSync(path.join(dir, 'key'))) {
        ctx.status = 404;
        ctx.type = 'application/xml';
        ctx.body = '<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
        return undefined;
      }
      if (ctx.method !== 'DELETE') return next();
      fs.rmSync(dir, { recursive: true, force: true });
      ctx.status = 204;
      return undefined;
    }
    return next();
  });
  // --page: ListObjectsV2 pages with our own continuation token (s3rver's
  // needs DES, which OpenSSL 3 lacks), next to the router: the body is
  // still an object there.
  if (args.page) server.middleware.splice(server.middleware.length - 1, 0, async (ctx, next) => {
    const token = ctx.query['continuation-token'];
    if (ctx.method !== 'GET' || !/^\/[^/]+\/?$/.test(ctx.path) || ctx.query['list-type'] !== '2') return next();
    const q = { ...ctx.query };
    delete q['continuation-token'];
    if (token) q['start-after'] = Buffer.from(token, 'base64').toString();
    ctx.query = q;
    await next();
    const r = ctx.body && ctx.body.ListBucketResult, n = Number(args.page);
    if (!r || r.Contents.length <= n) return;
    r.Contents = r.Contents.slice(0, n);
    r.IsTruncated = true;
    r.NextContinuationToken = Buffer.from(r.Contents[n - 1].Key).toString('base64');
    r.KeyCount = n;
  });
  const { port } = await server.run();
  return `http://127.0.0.1:${port}`;
}

// --- the front -------------------------------------------------------------

function forward(upstream, req, body, res, done) {
  const u = new URL(upstream);
  const out = http.request({
    host: u.hostname, port: u.port, method: req.method, path: req.url,
    headers: { ...req.headers, 'content-length': body.length },
  }, up => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
    up.on('end', () => done(up.statusCode));
  });
  out.on('error', e => { s3error(res, 502, 'BadGateway', e.message); done(502); });
  out.end(body);
}

async function main() {
  const upstream = args.upstream || await startS3rver();
  const front = http.createServer(async (req, res) => {
    const t = Date.now();
    let body;
    try {
      body = await readBody(req);
    } catch {
      // The client went away mid-body (ECONNRESET): nothing to answer.
      faults.log(req, 0, null, t);
      return;
    }
    if (faults.control(req, res, body)) return;
    const fault = faults.take(req);
    const finish = status => faults.log(req, status, fault, t);
    if (fault && fault.delay) await new Promise(r => setTimeout(r, fault.delay));
    // A client that gave up is gone: S3 keeps nothing of its request.
    if (req.socket.destroyed) { finish(0); return; }
    if (fault && fault.drop) { req.socket.destroy(); finish(0); return; }
    if (fault && fault.status) {
      s3error(res, fault.status, fault.status === 503 ? 'SlowDown' : 'InternalError', 'Injected fault');
      finish(fault.status);
      return;
    }
    const bad = verify(req, body);
    if (bad) { s3error(res, ...bad); finish(bad[0]); return; }
    forward(upstream, req, body, res, finish);
  });
  front.keepAliveTimeout = 30000;
  front.listen(Number(args.port || 0), '127.0.0.1', () => {
    process.stdout.write(`${front.address().port}\n`);
  });
}

main().catch(e => { console.error(`s3d: ${e.stack || e}`); process.exit(1); });
