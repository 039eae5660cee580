import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as http1Request, Agent, type Server } from 'node:http';
import { connect } from 'node:http2';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serveH2c, type H2c } from '../../src/server/h2c.js';

/** HTTP/1.1 and HTTP/2 with prior knowledge on one port, both served by the same handler. */
let server: Server;
let h2c: H2c;
let port: number;

before(async () => {
  server = createServer(async (req, res) => {
    const hash = createHash('sha256');
    let n = 0;
    for await (const c of req) {
      hash.update(c as Buffer);
      n += (c as Buffer).length;
    }
    const body = JSON.stringify({ version: req.httpVersion, method: req.method, url: req.url, ip: req.socket.remoteAddress, bytes: n, sha: hash.digest('hex') });
    res.setHeader('connection', 'keep-alive');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'keep-alive' }).end(body);
  });
  h2c = serveH2c(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  h2c.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'z');
const bigSha = createHash('sha256').update(big).digest('hex');

describe('HTTP/2 cleartext beside HTTP/1.1', () => {
  it('HTTP/1.1 requests, with keep-alive and a large body, are served as before', async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      for (let i = 0; i < 2; i++) {
        const out = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const req = http1Request({ host: '127.0.0.1', port, method: 'POST', path: `/one/${i}`, agent }, (res) => {
            let d = '';
            res.on('data', (c: Buffer) => (d += c.toString()));
            res.on('end', () => resolve(JSON.parse(d) as Record<string, unknown>));
          });
          req.on('error', reject);
          req.end(big);
        });
        assert.deepEqual(out, { version: '1.1', method: 'POST', url: `/one/${i}`, ip: '127.0.0.1', bytes: big.length, sha: bigSha });
      }
    } finally {
      agent.destroy();
    }
  });

  it('HTTP/2 requests reach the same handler, with the client address, and hop-by-hop headers are dropped', async () => {
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      for (let i = 0; i < 2; i++) {
        const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: Record<string, unknown> }>((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': `/two/${i}` });
          let d = '';
          let headers: Record<string, unknown> = {};
          stream.on('response', (h) => (headers = h));
          stream.on('data', (c: Buffer) => (d += c.toString()));
          stream.on('end', () => resolve({ headers, body: JSON.parse(d) as Record<string, unknown> }));
          stream.on('error', reject);
          stream.end(big);
        });
        assert.deepEqual(body, { version: '2.0', method: 'POST', url: `/two/${i}`, ip: '127.0.0.1', bytes: big.length, sha: bigSha });
        assert.equal(headers[':status'], 200);
        assert.equal(headers['connection'], undefined);
      }
    } finally {
      session.close();
    }
  });

  it('a connection that is not HTTP is handed to the HTTP/1.1 parser, which refuses it', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = tcpConnect(port, '127.0.0.1', () => s.write('PRX nonsense\r\n\r\n'));
      let d = '';
      s.on('data', (c: Buffer) => (d += c.toString()));
      s.on('close', () => resolve(d));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request/);
  });
});
