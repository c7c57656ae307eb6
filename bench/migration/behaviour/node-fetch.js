// Behaviour of node-fetch (ES modules): requests, headers, JSON, redirects, errors, against a local server.
const http = require('http');
const path = require('path');
(async () => {
  const { default: fetch, Headers, FetchError } = await import(path.join(process.argv[2], 'src', 'index.js'));
  const server = http.createServer((req, res) => {
    if (req.url === '/redirect') return res.writeHead(302, { location: '/json' }).end();
    if (req.url === '/json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"n":3}');
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.writeHead(200, { 'x-method': req.method }).end(`${req.method} ${req.headers['x-test']} ${body}`));
  });
  await new Promise((r) => server.listen(0, r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const json = await (await fetch(`${base}/redirect`)).json();
  console.log(JSON.stringify(json));
  const res = await fetch(`${base}/echo`, { method: 'POST', body: 'hello', headers: new Headers({ 'X-Test': 'yes' }) });
  console.log(res.status, res.ok, res.headers.get('x-method'), await res.text());
  try { await fetch('http://127.0.0.1:1/'); } catch (err) { console.log(err instanceof FetchError, err.type, err.code); }
  server.close();
})();
