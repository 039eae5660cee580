import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { JwksClient, type ProviderTrust } from '../../src/oidc/jwks-client.js';
import { COULD_NOT_RETRIEVE_KEY, THUMBPRINT_MISMATCH } from '../../src/oidc/messages.js';
import { createTestCa, issueCert, selfSignedCert, type TestCa, type TestServerCert } from '../support/tls.js';
import { DISCOVERY_PATH, JWKS_PATH, json, signingKey, startIdp, type SigningKey, type TestIdp } from './idp.js';

let root: TestCa;
let intermediate: TestCa;
let serverCert: TestServerCert;
let rsa: SigningKey;
let ec: SigningKey;
const cleanup: (() => Promise<void> | void)[] = [];

before(() => {
  root = createTestCa();
  intermediate = createTestCa({ issuer: root });
  serverCert = issueCert(intermediate, ['127.0.0.1', 'localhost']);
  rsa = signingKey('RS256', 'rsa-1');
  ec = signingKey('ES256', 'ec-1');
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function idpWith(cert: TestServerCert = serverCert, keys = [rsa.publicJwk, ec.publicJwk]): Promise<TestIdp> {
  const idp = await startIdp(cert);
  idp.keys.push(...keys);
  cleanup.push(() => idp.close());
  return idp;
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AwsError, `expected AwsError, got ${String(e)}`);
    assert.equal(e.code, 'InvalidIdentityToken');
    assert.equal(e.httpStatus, 400);
    assert.equal(e.message, message);
    return true;
  });
}
const rs = { alg: 'RS256', kid: 'rsa-1' };

describe('JwksClient: TLS trust', () => {
  it('trusts the chain through the thumbprint of the root CA', async () => {
    const idp = await idpWith();
    const key = await new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs);
    assert.equal((key as { type: string }).type, 'public');
    assert.equal(idp.count(DISCOVERY_PATH), 1);
    assert.equal(idp.count(JWKS_PATH), 1);
  });

  it('trusts through the thumbprint of the intermediate CA, in upper case', async () => {
    const idp = await idpWith();
    await new JwksClient().getKey({ issuer: idp.issuer, thumbprints: ['0'.repeat(40), intermediate.thumbprint.toUpperCase()] }, rs);
  });

  it('trusts a self-signed server certificate through its own thumbprint', async () => {
    const cert = selfSignedCert(['127.0.0.1']);
    const idp = await idpWith(cert);
    await new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [cert.thumbprint] }, rs);
  });

  it('trusts a chain that validates against extraCaPem, thumbprints ignored', async () => {
    const idp = await idpWith();
    await new JwksClient({ extraCaPem: [root.certPem] }).getKey({ issuer: idp.issuer, thumbprints: [] }, rs);
    await new JwksClient({ extraCaPem: [root.certPem] }).getKey({ issuer: idp.issuer, thumbprints: ['f'.repeat(40)] }, rs);
  });

  it('rejects an untrusted chain whose thumbprints do not match, without sending a request', async () => {
    const idp = await idpWith();
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: ['0123456789abcdef0123456789abcdef01234567'] }, rs), THUMBPRINT_MISMATCH);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [] }, rs), THUMBPRINT_MISMATCH);
    assert.equal(idp.count(DISCOVERY_PATH), 0);
  });

  it('rejects a forged chain that merely appends the pinned CA certificate', async () => {
    // Self-signed leaf + the (public) pinned root: not linked at all.
    const selfSigned = selfSignedCert(['127.0.0.1']);
    const a = await idpWith({ ...selfSigned, fullChainPem: selfSigned.certPem + root.certPem });
    await rejectsWith(new JwksClient().getKey({ issuer: a.issuer, thumbprints: [root.thumbprint] }, rs), THUMBPRINT_MISMATCH);
    // A leaf from an impostor CA with the root's name: linked by name, but the signature is not the root's.
    const impostor = createTestCa({ commonName: 'irsa-local test root CA' });
    const forged = issueCert(impostor, ['127.0.0.1'], { authorityKeyId: false });
    const b = await idpWith({ ...forged, fullChainPem: forged.certPem + root.certPem });
    await rejectsWith(new JwksClient().getKey({ issuer: b.issuer, thumbprints: [root.thumbprint] }, rs), THUMBPRINT_MISMATCH);
  });

  it('checks the host name: with a CA from extraCaPem, and with a pinned CA', async () => {
    const idp = await idpWith(issueCert(intermediate, ['localhost'])); // served at 127.0.0.1
    await rejectsWith(new JwksClient({ extraCaPem: [root.certPem] }).getKey({ issuer: idp.issuer, thumbprints: [] }, rs), THUMBPRINT_MISMATCH);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), THUMBPRINT_MISMATCH);
  });

  it('rejects an expired certificate even when pinned', async () => {
    const expired = issueCert(intermediate, ['127.0.0.1'], { days: 0 });
    const idp = await idpWith(expired);
    await new Promise((r) => setTimeout(r, 1100));
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), THUMBPRINT_MISMATCH);
  });
});

describe('JwksClient: what it refuses to fetch', () => {
  it('times out on a server that never answers (5 s default; shortened here)', async () => {
    const idp = await idpWith();
    idp.override = () => true; // swallow the request
    const started = Date.now();
    await rejectsWith(new JwksClient({ timeoutMs: 300 }).getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
    assert.ok(Date.now() - started < 2000);
  });

  it('times out on a server that never completes the TLS handshake', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => {
      sockets.forEach((s) => s.destroy());
      return new Promise((r) => server.close(() => r()));
    });
    const port = (server.address() as AddressInfo).port;
    await rejectsWith(new JwksClient({ timeoutMs: 300 }).getKey({ issuer: `https://127.0.0.1:${port}`, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
  });

  it('fails on a refused connection', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await rejectsWith(new JwksClient().getKey({ issuer: `https://127.0.0.1:${port}`, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
  });

  it('refuses an http:// issuer and an http:// jwks_uri, never contacting the http server', async () => {
    let plainRequests = 0;
    const plain = http.createServer((_req, res) => {
      plainRequests++;
      json(res, { issuer: 'x', jwks_uri: 'x', keys: [rsa.publicJwk] });
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => plain.close(() => r())));
    const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    await rejectsWith(new JwksClient().getKey({ issuer: plainUrl, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);

    const idp = await idpWith();
    idp.override = (req, res) => (req.url === DISCOVERY_PATH ? (json(res, { issuer: idp.issuer, jwks_uri: `${plainUrl}${JWKS_PATH}` }), true) : false);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
    assert.equal(plainRequests, 0);
  });

  it('fails on a body cut short by the server', async () => {
    const idp = await idpWith();
    idp.override = (req, res) => {
      if (req.url !== JWKS_PATH) return false;
      res.writeHead(200, { 'content-length': 5000 });
      res.write('{"keys":[');
      setTimeout(() => res.destroy(), 20);
      return true;
    };
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
  });

  it('follows no redirects', async () => {
    const idp = await idpWith();
    idp.override = (req, res) => (req.url === DISCOVERY_PATH ? (res.writeHead(302, { location: `${idp.issuer}/elsewhere` }).end(), true) : false);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
    assert.equal(idp.count('/elsewhere'), 0);
  });

  const brokenDiscovery: [string, (issuer: string) => unknown][] = [
    ['a non-200 status', () => 500],
    ['a body that is not JSON', () => '{"issuer":'],
    ['a JSON array', () => []],
    ['no jwks_uri', (issuer) => ({ issuer })],
    ['a jwks_uri that is not a URL', (issuer) => ({ issuer, jwks_uri: 'not a url' })],
    ['an issuer that differs from iss', (issuer) => ({ issuer: `${issuer}/other`, jwks_uri: `${issuer}${JWKS_PATH}` })],
    ['no issuer', (issuer) => ({ jwks_uri: `${issuer}${JWKS_PATH}` })],
  ];
  for (const [what, body] of brokenDiscovery) {
    it(`fails on a discovery document with ${what}`, async () => {
      const idp = await idpWith();
      idp.override = (req, res) => {
        if (req.url !== DISCOVERY_PATH) return false;
        const b = body(idp.issuer);
        if (typeof b === 'number') res.writeHead(b).end();
        else if (typeof b === 'string') res.writeHead(200).end(b);
        else json(res, b);
        return true;
      };
      await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
    });
  }

  it('fails on a JWKS without a keys array, or with a 404', async () => {
    const idp = await idpWith();
    idp.override = (req, res) => (req.url === JWKS_PATH ? (json(res, { key: [] }), true) : false);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
    idp.override = (req, res) => (req.url === JWKS_PATH ? (res.writeHead(404).end(), true) : false);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
  });

  it('bounds the body: declared by content-length, or streamed without one', async () => {
    const idp = await idpWith();
    const big = JSON.stringify({ keys: [rsa.publicJwk], pad: 'x'.repeat(2 * 1024 * 1024) });
    idp.override = (req, res) => (req.url === JWKS_PATH ? (json(res, JSON.parse(big)), true) : false);
    await rejectsWith(new JwksClient().getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);

    idp.override = (req, res) => {
      if (req.url !== JWKS_PATH) return false;
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked
      res.write(big.slice(0, 40_000));
      res.end(big.slice(40_000, 90_000));
      return true;
    };
    await rejectsWith(new JwksClient({ maxBodyBytes: 64 * 1024 }).getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs), COULD_NOT_RETRIEVE_KEY);
    // a body under the bound is fine
    idp.override = undefined;
    await new JwksClient({ maxBodyBytes: 64 * 1024 }).getKey({ issuer: idp.issuer, thumbprints: [root.thumbprint] }, rs);
  });
});

describe('JwksClient: keys, caching and refresh', () => {
  it('finds a key under an issuer with a path, and the only fitting key when the token has no kid', async () => {
    const idp = await startIdp(serverCert, { path: '/id/ABC' });
    cleanup.push(() => idp.close());
    const { kid: _k, ...noKid } = rsa.publicJwk;
    idp.keys.push(noKid, ec.publicJwk);
    const client = new JwksClient();
    const trust = { issuer: idp.issuer, thumbprints: [root.thumbprint] };
    await client.getKey(trust, { alg: 'RS256' });
    await client.getKey(trust, { alg: 'ES256' });
    assert.equal(idp.count(DISCOVERY_PATH), 1);
    idp.keys.push(signingKey('RS256', 'second').publicJwk);
    await rejectsWith(new JwksClient().getKey(trust, { alg: 'RS256' }), COULD_NOT_RETRIEVE_KEY); // ambiguous
  });

  it('ignores private members a JWKS should not publish, and encryption keys', async () => {
    const leaked = { ...(rsa.privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'leaky', alg: 'RS256' };
    const enc = { ...signingKey('RS256', 'enc').publicJwk, use: 'enc' };
    const idp = await idpWith(serverCert, [leaked, enc]);
    const trust = { issuer: idp.issuer, thumbprints: [root.thumbprint] };
    const key = await new JwksClient().getKey(trust, { alg: 'RS256', kid: 'leaky' });
    assert.equal((key as { type: string }).type, 'public');
    await rejectsWith(new JwksClient().getKey(trust, { alg: 'RS256', kid: 'enc' }), COULD_NOT_RETRIEVE_KEY);
  });

  it('coalesces concurrent fetches and serves later calls from the cache', async () => {
    const idp = await idpWith();
    const client = new JwksClient();
    const trust = { issuer: idp.issuer, thumbprints: [root.thumbprint] };
    await Promise.all(Array.from({ length: 8 }, (_, i) => client.getKey(trust, i % 2 ? rs : { alg: 'ES256', kid: 'ec-1' })));
    await client.getKey(trust, rs);
    assert.equal(idp.count(DISCOVERY_PATH), 1);
    assert.equal(idp.count(JWKS_PATH), 1);
  });

  it('on an unknown kid, refreshes and picks up a newly published key', async () => {
    let t = 1_000_000;
    const idp = await idpWith();
    const client = new JwksClient({ now: () => t });
    const trust = { issuer: idp.issuer, thumbprints: [root.thumbprint] };
    await client.getKey(trust, rs);
    const rotated = signingKey('RS256', 'rsa-2');
    idp.keys.push(rotated.publicJwk);
    t += 10_000;
    await client.getKey(trust, { alg: 'RS256', kid: 'rsa-2' });
    assert.equal(idp.count(JWKS_PATH), 2);
    assert.equal(idp.count(DISCOVERY_PATH), 2);
  });

  it('refreshes for unknown kids at most once per minRefreshIntervalMs', async () => {
    let t = 1_000_000;
    const idp = await idpWith();
    const client = new JwksClient({ now: () => t });
    const trust = { issuer: idp.issuer, thumbprints: [root.thumbprint] };
    await client.getKey(trust, rs);
    const unknown = { alg: 'RS256', kid: 'nope' };
    t += 1_000; // within 10 s of the last fetch: no refresh
    await rejectsWith(client.getKey(trust, unknown), COULD_NOT_RETRIEVE_KEY);
    assert.equal(idp.count(JWKS_PATH), 1);
    t += 10_000; // allowed: one refresh
    await rejectsWith(client.getKey(trust, unknown), COULD_NOT_RETRIEVE_KEY);
    assert.equal(idp.count(JWKS_PATH), 2);
    t += 1_000; // twice within the limit: no second fetch
    await rejectsWith(client.getKey(trust, unknown), COULD_NOT_RETRIEVE_KEY);
    await rejectsWith(client.getKey(trust, unknown), COULD_NOT_RETRIEVE_KEY);
    assert.equal(idp.count(JWKS_PATH), 2);
    await client.getKey(trust, rs); // known keys keep working from the cache
    assert.equal(idp.count(JWKS_PATH), 2);
  });

  it('refetches after the cache TTL', async () => {
    let t = 1_000_000;
    const idp = await idpWith();
    const client = new JwksClient({ now: () => t, cacheTtlMs: 60_000 });
    const trust = { issuer: idp.issuer, thumbprints: [root.thumbprint] };
    await client.getKey(trust, rs);
    t += 59_999;
    await client.getKey(trust, rs);
    assert.equal(idp.count(JWKS_PATH), 1);
    t += 1;
    await client.getKey(trust, rs);
    assert.equal(idp.count(JWKS_PATH), 2);
  });

  it('keys the cache by issuer and thumbprints, and bounds it (least recently used goes)', async () => {
    const a = await idpWith();
    const b = await idpWith();
    const client = new JwksClient({ maxCachedIssuers: 2 });
    const ta: ProviderTrust = { issuer: a.issuer, thumbprints: [root.thumbprint] };
    const tb: ProviderTrust = { issuer: b.issuer, thumbprints: [root.thumbprint] };
    await client.getKey(ta, rs);
    await client.getKey(tb, rs);
    await client.getKey(ta, rs); // a is now the most recent
    assert.equal(a.count(JWKS_PATH), 1);
    // a changed thumbprint list is a new entry: it must pass TLS again, and it evicts b
    await client.getKey({ issuer: a.issuer, thumbprints: [intermediate.thumbprint] }, rs);
    assert.equal(a.count(JWKS_PATH), 2);
    await client.getKey(ta, rs);
    assert.equal(a.count(JWKS_PATH), 2);
    await client.getKey(tb, rs);
    assert.equal(b.count(JWKS_PATH), 2);
    // and a wrong thumbprint is not rescued by a cached key set
    await rejectsWith(client.getKey({ issuer: a.issuer, thumbprints: ['0'.repeat(40)] }, rs), THUMBPRINT_MISMATCH);
  });
});
