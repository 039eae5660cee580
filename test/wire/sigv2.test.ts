/**
 * S3 SigV2 (wire/sigv2.ts) against what the real tools produce:
 * - `aws s3 presign` (aws CLI v1, us-east-1) and boto3 `generate_presigned_url` (us-east-1 picks
 *   SigV2): URLs made by the tools in this test, then fetched from a node server that verifies;
 * - header-form requests signed by botocore's `HmacV1Auth` and sent by its HTTP session;
 * - expired URLs, wrong signatures, session tokens (present, missing, wrong), missing parameters,
 *   clock skew and malformed headers, with S3's codes in the failure details.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hasSigV2, verifySigV2 } from '../../src/wire/sigv2.js';
import { AuthFailure, type AuthFailureDetails, type SecretLookup, type SignedRequest } from '../../src/wire/sigv4.js';

const LONG_TERM = { ak: 'AKIAIOSFODNN7EXAMPLE', sk: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const SESSION = { ak: 'ASIAEXAMPLESESSION01', sk: 'c2Vzc2lvbi1zZWNyZXQtZm9yLXRlc3Rz/+0123456', token: 'IQoJb3JpZ2luX2VjEBYaCXVz+/tok=en==' };

const lookup: SecretLookup = async (ak, token) => {
  if (ak === LONG_TERM.ak) return { secretAccessKey: LONG_TERM.sk };
  if (ak === SESSION.ak) {
    if (token !== SESSION.token) throw new AuthFailure('invalidToken', 'The security token included in the request is invalid.');
    return { secretAccessKey: SESSION.sk };
  }
  throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
};

interface Outcome {
  ok: boolean;
  accessKeyId?: string;
  securityToken?: string;
  presigned?: boolean;
  expiresAt?: string;
  bucket?: string;
  kind?: string;
  message?: string;
  details?: AuthFailureDetails;
}

const tools = {
  aws: spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0,
  botocore: spawnSync('python3', ['-c', 'import boto3, botocore'], { encoding: 'utf8' }).status === 0,
};
const skipTools = tools.aws && tools.botocore ? false : 'the aws CLI and python3 with boto3 are needed';

describe('SigV2: requests made by the aws CLI and botocore', { skip: skipTools }, () => {
  let server: http.Server;
  let port = 0;
  let base = '';
  let clock: () => Date = () => new Date();
  let home = '';

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'irsa-sigv2-'));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const signed: SignedRequest = { method: req.method ?? 'GET', rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headers, rawHeaders: req.rawHeaders };
        // Virtual-hosted style: <bucket>.localhost:<port>
        const host = String(req.headers.host ?? '');
        const vh = /^(.+)\.localhost(:\d+)?$/.exec(host);
        const bucket = vh?.[1];
        const reply = (o: Outcome): void => {
          res.writeHead(o.ok ? 200 : 403, { 'content-type': 'application/json' }).end(JSON.stringify(o));
        };
        verifySigV2(signed, lookup, { now: clock(), virtualHostBucket: bucket }).then(
          (v) => {
            const o: Outcome = { ok: true, accessKeyId: v.accessKeyId, presigned: v.presigned };
            if (v.securityToken !== undefined) o.securityToken = v.securityToken;
            if (v.expiresAt) o.expiresAt = v.expiresAt.toISOString();
            if (bucket) o.bucket = bucket;
            reply(o);
          },
          (e: unknown) => reply(e instanceof AuthFailure ? { ok: false, kind: e.kind, message: e.message, details: e.details } : { ok: false, kind: 'crash', message: String(e) }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(home, { recursive: true, force: true });
  });

  const env = (creds: { ak: string; sk: string; token?: string }): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    AWS_ACCESS_KEY_ID: creds.ak,
    AWS_SECRET_ACCESS_KEY: creds.sk,
    ...(creds.token ? { AWS_SESSION_TOKEN: creds.token } : {}),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
  });

  function awsPresign(creds: { ak: string; sk: string; token?: string }, s3url: string, expires = 3600): string {
    const r = spawnSync('aws', ['s3', 'presign', s3url, '--endpoint-url', base, '--expires-in', String(expires)], { encoding: 'utf8', env: env(creds) });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }

  async function botocore(cases: Record<string, unknown>[]): Promise<Map<string, Record<string, unknown>>> {
    const child = spawn('python3', [fileURLToPath(new URL('./sigv2-botocore.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', HOME: home } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(JSON.stringify({ endpoint: base, cases }));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, err);
    const results = new Map<string, Record<string, unknown>>();
    for (const r of JSON.parse(out) as Record<string, unknown>[]) {
      assert.equal(r['error'], undefined, `${String(r['name'])}: ${String(r['error'])}`);
      results.set(String(r['name']), r);
    }
    return results;
  }

  /** Sends a request to the verifying server (to 127.0.0.1, whatever host the URL names). */
  function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Outcome> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: init.method ?? 'GET', path: u.pathname + u.search, headers: { host: u.host, ...init.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Outcome));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  }

  const okOutcome = (o: Outcome, what: string): Outcome => {
    assert.ok(o.ok, `${what}: ${o.kind} ${o.message} ${JSON.stringify(o.details ?? {})}`);
    return o;
  };

  it('aws s3 presign (session credentials): a SigV2 URL with x-amz-security-token that verifies', async () => {
    const url = awsPresign(SESSION, 's3://bkt1/dir/a b/c+d~é&x=1.txt');
    assert.match(url, /[?&]AWSAccessKeyId=ASIAEXAMPLESESSION01&/);
    assert.match(url, /[?&]x-amz-security-token=/);
    const o = okOutcome(await send(url), 'presigned GET');
    assert.equal(o.accessKeyId, SESSION.ak);
    assert.equal(o.securityToken, SESSION.token);
    assert.equal(o.presigned, true);
    const expires = Number(new URL(url).searchParams.get('Expires'));
    assert.equal(o.expiresAt, new Date(expires * 1000).toISOString());
  });

  it('aws s3 presign: an expired URL is S3 AccessDenied "Request has expired" with Expires and ServerTime', async () => {
    const url = awsPresign(LONG_TERM, 's3://bkt1/k', 60);
    const expires = Number(new URL(url).searchParams.get('Expires'));
    clock = () => new Date((expires + 1) * 1000);
    try {
      const o = await send(url);
      assert.equal(o.ok, false);
      assert.equal(o.kind, 'requestExpired');
      assert.equal(o.message, 'Request has expired');
      assert.equal(o.details?.s3Code, 'AccessDenied');
      assert.equal(o.details?.expires, new Date(expires * 1000).toISOString().replace('.000', ''));
      assert.equal(o.details?.serverTime, new Date((expires + 1) * 1000).toISOString().replace('.000', ''));
    } finally {
      clock = () => new Date();
    }
    // one second before expiry it is still good
    clock = () => new Date(expires * 1000);
    try {
      okOutcome(await send(url), 'at the expiry instant');
    } finally {
      clock = () => new Date();
    }
  });

  it('a changed signature, path, sub-resource or secret: SignatureDoesNotMatch with the StringToSign S3 computed', async () => {
    const url = awsPresign(LONG_TERM, 's3://bkt1/k');
    const u = new URL(url);
    const sig = u.searchParams.get('Signature')!;
    const flipped = new URL(url);
    flipped.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const o = await send(flipped.toString());
    assert.equal(o.kind, 'badSignature');
    assert.equal(o.details?.signatureProvided, flipped.searchParams.get('Signature'));
    assert.equal(o.details?.accessKeyId, LONG_TERM.ak);
    assert.equal(o.details?.stringToSign, `GET\n\n\n${u.searchParams.get('Expires')}\n/bkt1/k`);

    assert.equal((await send(url.replace('/bkt1/k?', '/bkt1/other?'))).kind, 'badSignature');
    assert.equal((await send(url + '&acl')).kind, 'badSignature', 'a signed sub-resource added');
    okOutcome(await send(url + '&x-id=GetObject'), 'a parameter S3 does not sign');
    const other = awsPresign({ ak: LONG_TERM.ak, sk: 'not-the-secret' }, 's3://bkt1/k');
    assert.equal((await send(other)).kind, 'badSignature');
  });

  it('session tokens: ASIA key without its token, or with another token, is refused by the lookup', async () => {
    const url = awsPresign(SESSION, 's3://bkt1/k');
    const u = new URL(url);
    u.searchParams.delete('x-amz-security-token');
    assert.equal((await send(u.toString())).kind, 'invalidToken');
    const w = new URL(url);
    w.searchParams.set('x-amz-security-token', 'other');
    assert.equal((await send(w.toString())).kind, 'invalidToken');
    // the token may also come as a header (it is then still part of the x-amz-* lines)
    const hdr = new URL(url);
    hdr.searchParams.delete('x-amz-security-token');
    okOutcome(await send(hdr.toString(), { headers: { 'x-amz-security-token': SESSION.token } }), 'token as a header');
  });

  it('missing or malformed query parameters: AccessDenied with S3’s messages', async () => {
    const url = awsPresign(LONG_TERM, 's3://bkt1/k');
    for (const drop of ['Signature', 'Expires', 'AWSAccessKeyId']) {
      const u = new URL(url);
      u.searchParams.delete(drop);
      const o = await send(u.toString());
      assert.equal(o.kind, 'incomplete', drop);
      assert.equal(o.message, 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
      assert.equal(o.details?.s3Code, 'AccessDenied');
    }
    const u = new URL(url);
    u.searchParams.set('Expires', 'tomorrow');
    const o = await send(u.toString());
    assert.equal(o.details?.s3Code, 'AccessDenied');
    assert.equal(o.message, 'Invalid date (should be seconds since epoch): tomorrow');
  });

  it('boto3 generate_presigned_url: sub-resources, response overrides, PUT with Content-Type, virtual-hosted style', async () => {
    const r = await botocore([
      { name: 'get', kind: 'presign', ...LONG_TERM, operation: 'get_object', params: { Bucket: 'bkt1', Key: 'a/ü b.txt', VersionId: 'v1', ResponseContentType: 'text/plain', ResponseContentDisposition: 'attachment; filename="ü.txt"' } },
      { name: 'put', kind: 'presign', ...SESSION, operation: 'put_object', params: { Bucket: 'bkt1', Key: 'up.txt', ContentType: 'text/plain' } },
      { name: 'parts', kind: 'presign', ...LONG_TERM, operation: 'upload_part', params: { Bucket: 'bkt1', Key: 'big', UploadId: 'u-1', PartNumber: 3 } },
      { name: 'vhost', kind: 'presign', ...LONG_TERM, operation: 'get_object', params: { Bucket: 'bkt1', Key: 'k' }, addressing: 'virtual', endpoint: `http://localhost:${port}` },
      { name: 'vhost-root', kind: 'presign', ...LONG_TERM, operation: 'list_objects', params: { Bucket: 'bkt1' }, addressing: 'virtual', endpoint: `http://localhost:${port}` },
    ]);
    const get = String(r.get('get')!['url']);
    assert.match(get, /versionId=v1/);
    okOutcome(await send(get), 'get with sub-resources');
    const put = String(r.get('put')!['url']);
    okOutcome(await send(put, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hi' }), 'put with its content type');
    okOutcome(await send(put, { method: 'PUT', body: 'hi' }), 'put: botocore moved Content-Type into the query');
    assert.equal((await send(put, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: 'hi' })).kind, 'badSignature', 'another content type');
    okOutcome(await send(String(r.get('parts')!['url']), { method: 'PUT', body: 'part' }), 'upload_part');
    const vhost = String(r.get('vhost')!['url']);
    assert.match(vhost, /^http:\/\/bkt1\.localhost:\d+\/k\?/);
    assert.equal(okOutcome(await send(vhost), 'virtual-hosted').bucket, 'bkt1');
    okOutcome(await send(String(r.get('vhost-root')!['url'])), 'virtual-hosted bucket root');
  });

  it('botocore HmacV1Auth header form: Date, Content-MD5, Content-Type, x-amz-* headers, session token, sub-resources', async () => {
    const r = await botocore([
      { name: 'put', kind: 'header', ...SESSION, method: 'PUT', path: '/bkt1/dir/a%20b.txt', headers: { 'Content-Type': 'text/plain', 'Content-MD5': 'XUFAKrxLKna5cZ2REBfFkg==', 'x-amz-meta-Note': '  a   b  ', 'X-Amz-Acl': 'private' }, body: 'hello' },
      { name: 'acl', kind: 'header', ...LONG_TERM, method: 'GET', path: '/bkt1/k', query: 'acl' },
      { name: 'uploads', kind: 'header', ...LONG_TERM, method: 'POST', path: '/bkt1/big', query: 'uploads' },
      { name: 'part', kind: 'header', ...LONG_TERM, method: 'PUT', path: '/bkt1/big', query: 'uploadId=u%2B1&partNumber=2', body: 'x' },
      { name: 'list', kind: 'header', ...LONG_TERM, method: 'GET', path: '/bkt1', query: 'prefix=a%2F&delimiter=%2F&encoding-type=url' },
      { name: 'vhost', kind: 'header', ...LONG_TERM, method: 'GET', path: '/k', auth_path: '/bkt1/k', send: false },
    ]);
    for (const name of ['put', 'acl', 'uploads', 'part', 'list']) {
      const res = r.get(name)!;
      const o = JSON.parse(String(res['body'])) as Outcome;
      okOutcome(o, name);
      assert.equal(o.presigned, false);
    }
    assert.equal((JSON.parse(String(r.get('put')!['body'])) as Outcome).securityToken, SESSION.token);
    const vh = r.get('vhost')!;
    const headers = vh['headers'] as Record<string, string>;
    const o = await send(`http://bkt1.localhost:${port}/k`, { headers });
    assert.equal(okOutcome(o, 'virtual-hosted header form').bucket, 'bkt1');
    // the same signature on the path-style URL names another resource
    assert.equal((await send(`${base}/k`, { headers })).kind, 'badSignature');
  });

  it('header form refusals: clock skew, no Date, a malformed header, a changed header', async () => {
    const r = await botocore([{ name: 'get', kind: 'header', ...LONG_TERM, method: 'GET', path: '/bkt1/k', headers: { 'x-amz-meta-a': '1' }, send: false }]);
    const headers = r.get('get')!['headers'] as Record<string, string>;
    okOutcome(await send(`${base}/bkt1/k`, { headers }), 'as signed');
    const signedAt = new Date(headers['Date']!);
    clock = () => new Date(signedAt.getTime() + 16 * 60_000);
    try {
      const o = await send(`${base}/bkt1/k`, { headers });
      assert.equal(o.kind, 'signatureExpired');
      assert.equal(o.details?.s3Code, 'RequestTimeTooSkewed');
      assert.equal(o.message, 'The difference between the request time and the current time is too large.');
      assert.equal(o.details?.requestTime, headers['Date']);
      assert.equal(o.details?.maxSkewMs, 900_000);
    } finally {
      clock = () => new Date();
    }
    const noDate = { ...headers };
    delete noDate['Date'];
    const nd = await send(`${base}/bkt1/k`, { headers: noDate });
    assert.equal(nd.details?.s3Code, 'AccessDenied');
    assert.equal(nd.message, 'AWS authentication requires a valid Date or x-amz-date header');
    const bad = await send(`${base}/bkt1/k`, { headers: { ...headers, Authorization: `AWS ${LONG_TERM.ak}` } });
    assert.equal(bad.details?.s3Code, 'InvalidArgument');
    assert.equal(bad.message, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
    assert.equal((await send(`${base}/bkt1/k`, { headers: { ...headers, 'x-amz-meta-a': '2' } })).kind, 'badSignature');
    assert.equal((await send(`${base}/bkt1/k`, { headers: { ...headers, 'x-amz-meta-b': '2' } })).kind, 'badSignature', 'an added x-amz- header is signed');
    okOutcome(await send(`${base}/bkt1/k`, { headers: { ...headers, 'x-other': '2' } }), 'other headers are not signed');
  });
});

describe('SigV2: detection', () => {
  const req = (headers: Record<string, string>, rawQuery = ''): SignedRequest => ({ method: 'GET', rawPath: '/b/k', rawQuery, headers });
  it('an AWS Authorization header or AWSAccessKeyId/Signature in the query is SigV2; SigV4 and nothing are not', () => {
    assert.equal(hasSigV2(req({ authorization: 'AWS AKID:sig=' })), true);
    assert.equal(hasSigV2(req({}, 'AWSAccessKeyId=a&Expires=1&Signature=s')), true);
    assert.equal(hasSigV2(req({}, 'Signature=s')), true);
    assert.equal(hasSigV2(req({ authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e' })), false);
    assert.equal(hasSigV2(req({}, 'X-Amz-Signature=s&X-Amz-Credential=c')), false);
    assert.equal(hasSigV2(req({}, 'prefix=Signature')), false);
    assert.equal(hasSigV2(req({})), false);
  });
});
