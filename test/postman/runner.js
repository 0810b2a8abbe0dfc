// test/postman/runner.js: runs requests of a Postman collection (v2.1) against the fake Qlik
// Cloud, executing each request's own test scripts unchanged, the way Postman/newman would.
// Only what Qlik's Platform Operations collection uses is implemented: {{variables}}, raw
// and file bodies, bearer auth, and in scripts pm.test, pm.response.{json,code,headers,
// to.have.status}, pm.collectionVariables.{get,set}, responseBody.  Node's standard
// library only (no npm at run time).
//
//   node runner.js --collection C.json --ca CA.pem --port HTTPS_PORT [--groups 1,2,3,4]
//                  [--var name=value]... [--file src=PATH]...
// Every host name is sent to 127.0.0.1:HTTPS_PORT with its own SNI and Host header (as
// curl --connect-to does).  Prints one line per request and per test; exits 1 if a request
// failed, a script threw, or a test failed.
'use strict';
const fs = require('fs');
const https = require('https');
const vm = require('vm');

function parseArgs(argv) {
  const o = { vars: {}, files: {}, groups: null };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], v = argv[++i];
    if (v === undefined) throw new Error('missing value after ' + a);
    if (a === '--collection') o.collection = v;
    else if (a === '--ca') o.ca = v;
    else if (a === '--port') o.port = Number(v);
    else if (a === '--groups') o.groups = v.split(',');
    else if (a === '--var' || a === '--file') {
      const eq = v.indexOf('=');
      (a === '--var' ? o.vars : o.files)[v.slice(0, eq)] = v.slice(eq + 1);
    } else throw new Error('unknown option ' + a);
  }
  return o;
}

// Postman substitutes {{name}} from the collection variables; an unknown name stays as is.
function subst(s, vars) {
  return String(s).replace(/\{\{([^{}]+)\}\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// The query string as Postman sends it: characters a URL cannot carry are percent-encoded
// (a space as %20, a double quote as %22), everything else is left alone.
function encodeQuery(q) {
  return q.replace(/[ "<>`#'{}|\\^]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// A Postman-like header list: Object.entries() of it gives ['members', [...]] whose elements
// print as "Key: Value" (the collection's step 4.3 reads the Location header that way).
class Header {
  constructor(key, value) { this.key = key; this.value = value; }
  toString() { return this.key + ': ' + this.value; }
}
class HeaderList {
  constructor(raw) {
    this.members = [];
    for (let i = 0; i < raw.length; i += 2) this.members.push(new Header(raw[i], raw[i + 1]));
  }
  get(name) {
    const h = this.members.find((m) => m.key.toLowerCase() === name.toLowerCase());
    return h ? h.value : undefined;
  }
}

function send(opts, req) {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url);
    const headers = Object.assign({}, req.headers);
    if (req.body !== null) headers['Content-Length'] = String(req.body.length);
    const r = https.request({
      host: '127.0.0.1', port: opts.port, servername: u.hostname, method: req.method,
      path: u.pathname + u.search, ca: fs.readFileSync(opts.ca), headers: Object.assign(
        { Host: u.host, 'User-Agent': 'qlikcloud-postman-runner', Accept: '*/*' }, headers),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode, rawHeaders: res.rawHeaders,
                                    body: Buffer.concat(chunks) }));
    });
    r.on('error', reject);
    if (req.body !== null) r.write(req.body);
    r.end();
  });
}

function buildRequest(item, vars, opts) {
  const r = item.request;
  let raw = subst(typeof r.url === 'string' ? r.url : r.url.raw, vars);
  const q = raw.indexOf('?');
  if (q >= 0) raw = raw.slice(0, q + 1) + encodeQuery(raw.slice(q + 1));
  const headers = {};
  for (const h of r.header || []) if (!h.disabled) headers[subst(h.key, vars)] = subst(h.value, vars);
  if (r.auth && r.auth.type === 'bearer') {
    const tok = (r.auth.bearer || []).find((p) => p.key === 'token');
    headers.Authorization = 'Bearer ' + subst(tok ? tok.value : '', vars);
  }
  let body = null;
  const b = r.body || {};
  if (b.mode === 'raw' && b.raw) {
    body = Buffer.from(subst(b.raw, vars));
    // Postman adds a Content-Type for a raw body that has none, from the body's language
    // (step 4.1 sends "Content: application/json", a typo, and relies on this).
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      const lang = ((b.options || {}).raw || {}).language || 'text';
      headers['Content-Type'] = { json: 'application/json', javascript: 'application/javascript',
                                  xml: 'application/xml', html: 'text/html' }[lang] || 'text/plain';
    }
  }
  else if (b.mode === 'file') {
    const src = b.file && b.file.src;
    if (!(src in opts.files)) throw new Error('no --file given for the body file ' + src);
    body = fs.readFileSync(opts.files[src]);
  }
  return { method: r.method, url: raw, headers, body };
}

function runScript(code, name, vars, res, results) {
  const text = res ? res.body.toString('utf8') : '';
  const assertion = (cond, msg) => { if (!cond) throw new Error(msg); };
  const response = res && {
    code: res.code,
    headers: new HeaderList(res.rawHeaders),
    json: () => JSON.parse(text),
    text: () => text,
    to: { have: { status: (n) => assertion(res.code === n,
                                            'expected response to have status code ' + n +
                                            ' but got ' + res.code) } },
  };
  const pm = {
    response,
    test: (tname, fn) => {
      try { fn(); results.push({ name: tname, ok: true }); }
      catch (e) { results.push({ name: tname, ok: false, error: e.message }); }
    },
    collectionVariables: { get: (k) => vars[k], set: (k, v) => { vars[k] = v; } },
    variables: { get: (k) => vars[k], set: (k, v) => { vars[k] = v; } },
  };
  vm.runInNewContext(code, { pm, responseBody: text, console }, { filename: name });
}

async function main() {
  const opts = parseArgs(process.argv);
  const coll = JSON.parse(fs.readFileSync(opts.collection, 'utf8'));
  const vars = {};
  for (const v of coll.variable || []) vars[v.key] = v.value;
  Object.assign(vars, opts.vars);
  let failed = 0, passed = 0;
  for (const group of coll.item) {
    const num = group.name.split(' ')[0];
    if (opts.groups && !opts.groups.includes(num)) continue;
    for (const item of group.item) {
      const ev = (kind) => (item.event || []).filter((e) => e.listen === kind)
        .map((e) => [].concat(e.script.exec).join('\n')).join('\n');
      const results = [];
      let res = null, err = null;
      try {
        runScript(ev('prerequest'), item.name + ' (pre-request)', vars, null, results);
        const req = buildRequest(item, vars, opts);
        res = await send(opts, req);
        // Postman follows redirects (up to 10), keeping the headers on the same host; a
        // 301/302/303 turns into a GET without a body.
        for (let hops = 0; [301, 302, 303, 307, 308].includes(res.code) && hops < 10; hops++) {
          const loc = new HeaderList(res.rawHeaders).get('location');
          if (!loc) break;
          const next = new URL(loc, req.url);
          if (next.host !== new URL(req.url).host) delete req.headers.Authorization;
          req.url = next.toString();
          if (res.code < 307) { req.method = 'GET'; req.body = null; }
          res = await send(opts, req);
        }
        console.log(`${item.name}: ${req.method} ${req.url} -> ${res.code}`);
        runScript(ev('test'), item.name + ' (test)', vars, res, results);
      } catch (e) {
        err = e;
      }
      for (const r of results) {
        console.log(`  ${r.ok ? 'ok' : 'FAILED'}: ${r.name}${r.ok ? '' : ' (' + r.error + ')'}`);
        if (r.ok) passed++; else failed++;
      }
      if (err) {
        failed++;
        console.log(`  FAILED: ${item.name}: ${err.message}`);
        if (res) console.log('  response: ' + res.body.toString('utf8').slice(0, 400));
      } else if (results.some((r) => !r.ok)) {
        console.log('  response: ' + res.body.toString('utf8').slice(0, 400));
      }
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
