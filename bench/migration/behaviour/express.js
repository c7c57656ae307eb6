// Behaviour of express: routing, params, JSON bodies, middleware, errors, over real HTTP.
const express = require(process.argv[2]);
const http = require('http');
const app = express();
app.use(express.json());
app.use((req, res, next) => { res.set('X-Seen', req.method); next(); });
const router = express.Router();
router.get('/users/:id', (req, res) => res.json({ id: Number(req.params.id), q: req.query.q || null }));
router.post('/echo', (req, res) => res.status(201).send(req.body));
app.use('/api', router);
app.get('/fail', () => { throw new Error('boom'); });
app.use((err, req, res, next) => res.status(500).type('text').send(`caught ${err.message}`));
const server = app.listen(0, async () => {
  const port = server.address().port;
  const call = (method, path, body) => new Promise((resolve) => {
    const req = http.request({ port, path, method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve(`${method} ${path} ${res.statusCode} ${res.headers['x-seen']} ${res.headers['content-type']} ${data}`));
    });
    req.end(body ? JSON.stringify(body) : undefined);
  });
  for (const args of [['GET', '/api/users/7?q=x'], ['POST', '/api/echo', { a: [1, 2] }], ['GET', '/fail'], ['GET', '/missing']]) {
    console.log(await call(...args));
  }
  server.close();
});
