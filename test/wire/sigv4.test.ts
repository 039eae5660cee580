/**
 * SigV4 verification against requests signed by the real clients:
 * - the JS SDK v3 signer (@smithy/signature-v4) and HTTP handler (@smithy/node-http-handler),
 * - botocore's signers (SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth), its HTTP
 *   session, and a botocore STS client (GetCallerIdentity, and an `aws eks get-token` style
 *   presigned URL), driven by test/wire/sigv4-botocore.py;
 * both over real HTTP to a node server that calls verifySigV4 with node's own request objects.
 * Then every AuthFailureKind with AWS's messages, tampering, and header-name/whitespace handling.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { buildQueryString } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest as SignableRequest } from '@smithy/types';
import {
  AuthFailure,
  hasSigV4,
  SigningKeyCache,
  verifySigV4,
  type AuthFailureKind,
  type SecretLookup,
  type SignedRequest,
  type VerifiedRequest,
  type VerifyOptions,
} from '../../src/wire/sigv4.js';

// ------------------------------------------------------------------ fixtures

const LONG_TERM = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION = {
  accessKeyId: 'ASIAEXAMPLESESSION01',
  secretAccessKey: 'c2Vzc2lvbi1zZWNyZXQtZm9yLXRlc3Rz/+0123456',
  sessionToken: 'IQoJb3JpZ2luX2VjEBYaCXVzLWVhc3QtMSJIMEYCIQ+/tok=en+with/odd==chars',
};
const EXPIRED = { accessKeyId: 'ASIAEXPIREDSESSION01', secretAccessKey: 'expired-secret', sessionToken: 'expired-token' };

const lookup: SecretLookup = async (accessKeyId, token) => {
  if (accessKeyId === LONG_TERM.accessKeyId) return { secretAccessKey: LONG_TERM.secretAccessKey };
  if (accessKeyId === SESSION.accessKeyId) {
    if (token !== SESSION.sessionToken) throw new AuthFailure('invalidToken', 'The security token included in the request is invalid.');
    return { secretAccessKey: SESSION.secretAccessKey };
  }
  if (accessKeyId === EXPIRED.accessKeyId) throw new AuthFailure('expiredToken', 'The security token included in the request is expired');
  throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
};

const SIGNED_AT = new Date('2026-11-28T10:15:00Z');
const NOW = new Date(SIGNED_AT.getTime() + 30_000);
const DOUBLE: VerifyOptions = { now: NOW, uriEncoding: 'double' };
const SINGLE: VerifyOptions = { now: NOW, uriEncoding: 'single' };

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const LONG_TERM_CREDS: Creds = LONG_TERM;

function jsSigner(creds: Creds, service: string, region = 'us-east-1', uriEscapePath = true): SignatureV4 {
  return new SignatureV4({ credentials: creds, region, service, sha256: Sha256, uriEscapePath });
}

interface ReqSpec {
  method?: string;
  host?: string;
  port?: number;
  path?: string;
  query?: Record<string, string | string[] | null>;
  headers?: Record<string, string>;
  body?: string;
}

function jsRequest(spec: ReqSpec): HttpRequest {
  const host = spec.host ?? 'sts.us-east-1.amazonaws.com';
  const headers: Record<string, string> = { host: spec.port ? `${host}:${spec.port}` : host, ...spec.headers };
  if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
  const init: ConstructorParameters<typeof HttpRequest>[0] = { protocol: 'http:', hostname: host, method: spec.method ?? 'GET', path: spec.path ?? '/', headers };
  if (spec.port) init.port = spec.port;
  if (spec.query) init.query = spec.query;
  if (spec.body !== undefined) init.body = spec.body;
  return new HttpRequest(init);
}

/** What a node server would hand verifySigV4 for this request (no network). */
function toSigned(r: SignableRequest): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
  return {
    method: r.method,
    rawPath: r.path,
    rawQuery: buildQueryString(r.query ?? {}),
    headers,
    body: Buffer.from(typeof r.body === 'string' ? r.body : ''),
  };
}

const STS_FORM = 'Action=GetCallerIdentity&Version=2011-06-15';
const FORM_TYPE = 'application/x-www-form-urlencoded';

async function signedSts(creds: Creds = LONG_TERM, extra: Partial<ReqSpec> = {}, date = SIGNED_AT): Promise<SignedRequest> {
  const req = jsRequest({ method: 'POST', body: STS_FORM, headers: { 'content-type': FORM_TYPE }, ...extra });
  return toSigned(await jsSigner(creds, 'sts').sign(req, { signingDate: date }));
}

async function expectFailure(p: Promise<unknown>, kind: AuthFailureKind, message?: string | RegExp): Promise<AuthFailure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AuthFailure, `expected AuthFailure, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind (message: ${e.message})`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected AuthFailure ${kind}, but the request verified`);
}

const authHeader = (r: SignedRequest): string => r.headers['authorization'] as string;
const withHeaders = (r: SignedRequest, h: Record<string, string | undefined>): SignedRequest => ({ ...r, headers: { ...r.headers, ...h } });
const withAuth = (r: SignedRequest, auth: string): SignedRequest => withHeaders(r, { authorization: auth });

// ------------------------------------------------------------------ a node server that verifies

interface Outcome {
  ok: boolean;
  status: number;
  kind?: string;
  message?: string;
  verified?: Omit<VerifiedRequest, 'signedAt' | 'expiresAt'> & { signedAt: string };
}

/** GetCallerIdentity gets an STS-shaped XML answer (so botocore's client can parse it); the rest JSON. */
function startServer(uriEncoding: 'double' | 'single'): Promise<{ port: number; url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const qi = url.indexOf('?');
      const signed: SignedRequest = { method: req.method ?? 'GET', rawPath: qi < 0 ? url : url.slice(0, qi), rawQuery: qi < 0 ? '' : url.slice(qi + 1), headers: req.headers, body };
      if (req.headers['x-test-no-raw-headers'] === undefined) signed.rawHeaders = req.rawHeaders;
      const gci = /(^|&)Action=GetCallerIdentity(&|$)/.test(signed.rawQuery) || body.toString('utf8') === STS_FORM;
      verifySigV4(signed, lookup, { now: new Date(), uriEncoding }).then(
        (v) => {
          const verified = { ...v, signedAt: v.signedAt.toISOString(), expiresAt: v.expiresAt?.toISOString() };
          if (gci) {
            const userId = Buffer.from(JSON.stringify(verified)).toString('base64url');
            res.writeHead(200, { 'content-type': 'text/xml' });
            res.end(
              `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/verified/${v.accessKeyId}</Arn><UserId>${userId}</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
            );
          } else {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok: true, verified }));
          }
        },
        (e: unknown) => {
          if (!(e instanceof AuthFailure)) {
            res.writeHead(500);
            res.end(String(e));
            return;
          }
          if (gci) {
            const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
            res.writeHead(403, { 'content-type': 'text/xml' });
            res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${e.kind}</Code><Message>${esc(e.message)}</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
          } else {
            res.writeHead(403, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok: false, kind: e.kind, message: e.message }));
          }
        },
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ port, url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

function outcome(status: number, body: string): Outcome {
  if (body.startsWith('{')) {
    const j = JSON.parse(body) as { ok?: boolean; kind?: string; message?: string; verified?: Outcome['verified']; UserId?: string; Code?: string; Message?: string };
    if (j.UserId) return { ok: true, status, verified: JSON.parse(Buffer.from(j.UserId, 'base64url').toString()) as Outcome['verified'] };
    if (j.Code) return { ok: false, status, kind: j.Code, message: j.Message ?? '' };
    const out: Outcome = { ok: !!j.ok, status };
    if (j.kind) out.kind = j.kind;
    if (j.message) out.message = j.message;
    if (j.verified) out.verified = j.verified;
    return out;
  }
  const userId = /<UserId>([^<]*)<\/UserId>/.exec(body);
  if (userId) return { ok: true, status, verified: JSON.parse(Buffer.from(userId[1]!, 'base64url').toString()) as Outcome['verified'] };
  const code = /<Code>([^<]*)<\/Code>/.exec(body);
  const msg = /<Message>([^<]*)<\/Message>/.exec(body);
  return { ok: false, status, kind: code?.[1] ?? `status ${status}`, message: msg?.[1] ?? body };
}

function assertOk(o: Outcome, what: string): NonNullable<Outcome['verified']> {
  assert.ok(o.ok && o.verified, `${what}: ${o.kind ?? ''} ${o.message ?? ''}`);
  return o.verified;
}

async function sendJs(handler: NodeHttpHandler, r: SignableRequest): Promise<Outcome> {
  const { response } = await handler.handle(new HttpRequest(r));
  const chunks: Buffer[] = [];
  for await (const c of response.body as Readable) chunks.push(c as Buffer);
  return outcome(response.statusCode, Buffer.concat(chunks).toString('utf8'));
}

/** A raw node request (for header shapes the SDK's handler cannot send, e.g. a repeated header). */
function sendRaw(port: number, r: SignableRequest, headers: http.OutgoingHttpHeaders): Promise<Outcome> {
  const q = buildQueryString(r.query ?? {});
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path + (q ? `?${q}` : ''), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(outcome(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(typeof r.body === 'string' ? r.body : undefined);
  });
}

// ------------------------------------------------------------------ JS SDK v3 over HTTP

describe('SigV4: requests signed by the JS SDK v3 signer, sent by its node HTTP handler', () => {
  let nonS3: Awaited<ReturnType<typeof startServer>>;
  let s3: Awaited<ReturnType<typeof startServer>>;
  const handler = new NodeHttpHandler();
  before(async () => {
    nonS3 = await startServer('double');
    s3 = await startServer('single');
  });
  after(async () => {
    handler.destroy();
    await nonS3.close();
    await s3.close();
  });

  it('STS POST form body, long-term key', async () => {
    const req = jsRequest({ method: 'POST', host: '127.0.0.1', port: nonS3.port, body: STS_FORM, headers: { 'content-type': FORM_TYPE } });
    const v = assertOk(await sendJs(handler, await jsSigner(LONG_TERM, 'sts').sign(req)), 'sts post');
    assert.equal(v.accessKeyId, 'AKIDEXAMPLE');
    assert.equal(v.securityToken, undefined);
    assert.equal(v.region, 'us-east-1');
    assert.equal(v.service, 'sts');
    assert.equal(v.presigned, false);
    assert.deepEqual(v.signedHeaders, ['content-length', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date']);
  });

  it('session credentials: the token header is signed and handed to the lookup', async () => {
    const req = jsRequest({ method: 'POST', host: '127.0.0.1', port: nonS3.port, body: STS_FORM, headers: { 'content-type': FORM_TYPE } });
    const v = assertOk(await sendJs(handler, await jsSigner(SESSION, 'sts', 'eu-west-3').sign(req)), 'session');
    assert.equal(v.accessKeyId, SESSION.accessKeyId);
    assert.equal(v.securityToken, SESSION.sessionToken);
    assert.equal(v.region, 'eu-west-3');
    assert.ok(v.signedHeaders.includes('x-amz-security-token'));
  });

  it('odd query strings: reserved and non-ASCII characters, empty values, repeated keys', async () => {
    const req = jsRequest({
      host: '127.0.0.1',
      port: nonS3.port,
      query: {
        Action: 'ListRoles',
        'a b': 'c/d?e#f',
        'ü/ключ': 'ñ€😀',
        empty: '',
        star: "*()!'",
        tilde: '~-_.',
        plus: 'a+b=c&d',
        percent: '100%',
        k: ['b', 'a', 'c', 'a'],
        'a-b': 'sorted before a=?',
        a: 'x',
      },
    });
    assertOk(await sendJs(handler, await jsSigner(LONG_TERM, 'iam').sign(req)), 'odd query');
  });

  it('non-S3 path: dot segments, empty segments and encoded characters are normalized then encoded again', async () => {
    const req = jsRequest({ method: 'POST', host: '127.0.0.1', port: nonS3.port, path: '/a/./b/../c//d%20e/%C3%BC/', body: '{}', headers: { 'content-type': 'application/x-amz-json-1.1' } });
    assertOk(await sendJs(handler, await jsSigner(LONG_TERM, 'secretsmanager').sign(req)), 'path');
  });

  it('S3: raw path, x-amz-content-sha256 of the body, user metadata', async () => {
    const body = 'hello, world';
    const req = jsRequest({
      method: 'PUT',
      host: '127.0.0.1',
      port: s3.port,
      path: '/bkt1/a%20b/c%2Bd.txt',
      query: { 'x-id': 'PutObject' },
      body,
      headers: { 'content-type': 'text/plain', 'x-amz-meta-note': 'a   b \t c' },
    });
    const v = assertOk(await sendJs(handler, await jsSigner(SESSION, 's3', 'us-east-1', false).sign(req)), 's3 put');
    assert.equal(v.payloadHash, createHash('sha256').update(body).digest('hex'));
    assert.equal(v.service, 's3');
  });

  it('S3: a streaming literal in x-amz-content-sha256 is signed as is', async () => {
    const req = jsRequest({
      method: 'PUT',
      host: '127.0.0.1',
      port: s3.port,
      path: '/bkt1/k',
      body: 'opaque aws-chunked bytes',
      headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32' },
    });
    const v = assertOk(await sendJs(handler, await jsSigner(LONG_TERM, 's3', 'us-east-1', false).sign(req)), 'streaming');
    assert.equal(v.payloadHash, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
  });

  it('presigned STS GetCallerIdentity (EKS token style, with a signed x-k8s-aws-id header), with and without a session token', async () => {
    for (const creds of [LONG_TERM_CREDS, SESSION]) {
      const req = jsRequest({ host: '127.0.0.1', port: nonS3.port, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { 'x-k8s-aws-id': 'my-cluster' } });
      const v = assertOk(await sendJs(handler, await jsSigner(creds, 'sts').presign(req, { expiresIn: 60 })), `presign ${creds.accessKeyId}`);
      assert.equal(v.presigned, true);
      assert.equal(v.securityToken, creds.sessionToken);
      assert.deepEqual(v.signedHeaders, ['host', 'x-k8s-aws-id']);
    }
  });

  it('presigned S3 GET with UNSIGNED-PAYLOAD hoisted into the query', async () => {
    const req = jsRequest({ host: '127.0.0.1', port: s3.port, path: '/bkt1/dir/%E2%82%AC%20x.txt', query: { 'x-id': 'GetObject' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const signed = await jsSigner(SESSION, 's3', 'us-east-1', false).presign(req, { expiresIn: 604800 });
    assert.equal(signed.query?.['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    const v = assertOk(await sendJs(handler, signed), 'presign s3');
    assert.equal(v.payloadHash, 'UNSIGNED-PAYLOAD');
  });

  it('a repeated header is joined with "," when the server passes rawHeaders (node joins with ", ")', async () => {
    const req = jsRequest({ method: 'POST', host: '127.0.0.1', port: nonS3.port, body: STS_FORM, headers: { 'content-type': FORM_TYPE, 'x-amz-meta-rep': 'one,two' } });
    const signed = await jsSigner(LONG_TERM, 'sts').sign(req);
    const headers: http.OutgoingHttpHeaders = { ...signed.headers, 'x-amz-meta-rep': ['one', ' two '] };
    assertOk(await sendRaw(nonS3.port, signed, headers), 'repeated header with rawHeaders');
    const noRaw = await sendRaw(nonS3.port, signed, { ...headers, 'x-test-no-raw-headers': '1' });
    assert.equal(noRaw.ok, false);
    assert.equal(noRaw.kind, 'badSignature');
  });

  it('header names in any case on the wire; extra whitespace in values', async () => {
    const req = jsRequest({ method: 'POST', host: '127.0.0.1', port: nonS3.port, body: STS_FORM, headers: { 'content-type': FORM_TYPE, 'x-amz-meta-ws': 'a  b\t\tc' } });
    const signed = await jsSigner(LONG_TERM, 'sts').sign(req);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k.split('-').map((p) => p.toUpperCase()).join('-')] = k === 'x-amz-meta-ws' ? `   ${v}  ` : v;
    assertOk(await sendRaw(nonS3.port, signed, headers), 'upper-case names');
  });
});

// ------------------------------------------------------------------ botocore over HTTP

const PY_SCRIPT = fileURLToPath(new URL('./sigv4-botocore.py', import.meta.url));
const python = spawnSync('python3', ['-c', 'import botocore, urllib3'], { encoding: 'utf8' });
const botocoreMissing = python.status === 0 ? false : 'python3 with botocore is not installed';

interface PyCase {
  name: string;
  signer: 'v4' | 's3v4' | 'v4-query' | 's3v4-query' | 'client-call' | 'client-presign';
  service?: string;
  region?: string;
  ak: string;
  sk: string;
  token?: string;
  method?: string;
  path?: string;
  query?: [string, string][];
  rawQuery?: string;
  headers?: Record<string, string>;
  body?: string;
  form?: Record<string, string>;
  expires?: number;
  endpoint?: string;
  tamper?: { body?: string; header?: [string, string]; path?: string; query?: string };
}

/** Runs the botocore script asynchronously: the verifying server lives in this process. */
async function runBotocore(endpoint: string, cases: PyCase[]): Promise<Map<string, Outcome>> {
  const child = spawn('python3', [PY_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdin.end(JSON.stringify({ endpoint, cases }));
  const timer = setTimeout(() => child.kill(), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, stderr);
  const results = JSON.parse(stdout) as { name: string; status?: number; body?: string; error?: string }[];
  const out = new Map<string, Outcome>();
  for (const res of results) {
    assert.equal(res.error, undefined, `${res.name}: ${res.error}`);
    out.set(res.name, outcome(res.status!, res.body!));
  }
  return out;
}

describe('SigV4: requests signed by botocore, sent by its HTTP session', { skip: botocoreMissing }, () => {
  let nonS3: Awaited<ReturnType<typeof startServer>>;
  let s3: Awaited<ReturnType<typeof startServer>>;
  let results: Map<string, Outcome>;
  const lt = { ak: LONG_TERM.accessKeyId, sk: LONG_TERM.secretAccessKey };
  const st = { ak: SESSION.accessKeyId, sk: SESSION.secretAccessKey, token: SESSION.sessionToken };
  const form = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const listRoles = 'Action=ListRoles&Version=2010-05-08';
  const GCI = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

  before(async () => {
    nonS3 = await startServer('double');
    s3 = await startServer('single');
    const cases: PyCase[] = [
      { name: 'sts-post', signer: 'v4', service: 'sts', region: 'us-east-1', ...lt, method: 'POST', headers: form, body: STS_FORM },
      { name: 'sts-post-token', signer: 'v4', service: 'sts', region: 'us-west-2', ...st, method: 'POST', headers: form, body: STS_FORM },
      { name: 'iam-post', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, method: 'POST', headers: form, body: listRoles },
      {
        name: 'odd-query',
        signer: 'v4',
        service: 'iam',
        region: 'us-east-1',
        ...lt,
        query: [
          ['Action', 'ListRoles'],
          ['a b', 'c/d?e#f'],
          ['ü', 'ñ€😀'],
          ['empty', ''],
          ['star', "*()!'"],
          ['tilde', '~-_.'],
          ['k', 'b'],
          ['k', 'a'],
          ['a-b', 'x'],
          ['a', 'y'],
        ],
      },
      { name: 'raw-query', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, rawQuery: 'Action=ListRoles&b=x+y&a=*&bare' },
      { name: 'date-header', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, method: 'POST', headers: { ...form, Date: 'placeholder' }, body: listRoles },
      { name: 'non-ascii-header', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, method: 'POST', headers: { ...form, 'X-Amz-Meta-Name': 'café  au   lait' }, body: listRoles },
      { name: 'path-normalized', signer: 'v4', service: 'execute-api', region: 'eu-central-1', ...lt, path: '/a/./b/../c//d%20e/', method: 'POST', headers: form, body: listRoles },
      { name: 's3-put', signer: 's3v4', service: 's3', region: 'us-east-1', ...st, endpoint: s3.url, method: 'PUT', path: '/bkt1/a%20b/c%2Bd.txt', body: 'hello' },
      { name: 'sts-presign', signer: 'v4-query', service: 'sts', region: 'us-east-1', ...st, method: 'GET', headers: { 'x-k8s-aws-id': 'my-cluster' }, form: GCI, expires: 60 },
      { name: 'sts-presign-longterm', signer: 'v4-query', service: 'sts', region: 'us-east-1', ...lt, method: 'GET', form: GCI, expires: 900 },
      { name: 's3-presign', signer: 's3v4-query', service: 's3', region: 'us-east-1', ...st, endpoint: s3.url, method: 'GET', path: '/bkt1/dir/%E2%82%AC%20x.txt' },
      { name: 'client-call', signer: 'client-call', region: 'us-east-1', ...lt },
      { name: 'client-call-token', signer: 'client-call', region: 'ap-southeast-2', ...st },
      { name: 'client-presign', signer: 'client-presign', region: 'us-east-1', ...st },
      { name: 'tamper-body', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, method: 'POST', headers: form, body: listRoles, tamper: { body: 'Action=ListRoles&Version=2010-05-09' } },
      { name: 'tamper-header', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, method: 'POST', headers: form, body: listRoles, tamper: { header: ['Content-Type', 'text/plain'] } },
      { name: 'tamper-path', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, path: '/x', tamper: { path: '/y' } },
      { name: 'tamper-query', signer: 'v4', service: 'iam', region: 'us-east-1', ...lt, query: [['Action', 'ListRoles']], tamper: { query: 'MaxItems=1' } },
      { name: 'wrong-secret', signer: 'v4', service: 'sts', region: 'us-east-1', ak: LONG_TERM.accessKeyId, sk: 'not-the-secret', method: 'POST', headers: form, body: STS_FORM },
      { name: 'unknown-key', signer: 'v4', service: 'sts', region: 'us-east-1', ak: 'AKIANOTKNOWN', sk: 'x', method: 'POST', headers: form, body: STS_FORM },
      { name: 'token-missing', signer: 'v4', service: 'sts', region: 'us-east-1', ak: SESSION.accessKeyId, sk: SESSION.secretAccessKey, method: 'POST', headers: form, body: STS_FORM },
      { name: 'expired-token', signer: 'client-call', region: 'us-east-1', ak: EXPIRED.accessKeyId, sk: EXPIRED.secretAccessKey, token: EXPIRED.sessionToken },
    ];
    results = await runBotocore(nonS3.url, cases);
  });
  after(async () => {
    await nonS3.close();
    await s3.close();
  });
  const get = (name: string): Outcome => {
    const o = results.get(name);
    assert.ok(o, `no result for ${name}`);
    return o;
  };

  it('SigV4Auth: STS and IAM form POSTs, with and without a session token', () => {
    const v = assertOk(get('sts-post'), 'sts-post');
    assert.equal(v.accessKeyId, LONG_TERM.accessKeyId);
    assert.deepEqual(v.signedHeaders, ['content-type', 'host', 'x-amz-date']);
    const t = assertOk(get('sts-post-token'), 'sts-post-token');
    assert.equal(t.securityToken, SESSION.sessionToken);
    assert.equal(t.region, 'us-west-2');
    assertOk(get('iam-post'), 'iam-post');
  });

  it('SigV4Auth: odd query strings (repeated keys, empty values, non-ASCII) and a raw, loosely encoded query', () => {
    assertOk(get('odd-query'), 'odd-query');
    assertOk(get('raw-query'), 'raw-query');
  });

  it('SigV4Auth: the Date header form (no X-Amz-Date)', () => {
    const v = assertOk(get('date-header'), 'date-header');
    assert.ok(v.signedHeaders.includes('date') && !v.signedHeaders.includes('x-amz-date'));
  });

  it('SigV4Auth: a latin-1 header value, whitespace runs; a path that needs normalizing', () => {
    assertOk(get('non-ascii-header'), 'non-ascii-header');
    assertOk(get('path-normalized'), 'path-normalized');
  });

  it('S3SigV4Auth: raw path, x-amz-content-sha256, session token', () => {
    const v = assertOk(get('s3-put'), 's3-put');
    assert.equal(v.payloadHash, createHash('sha256').update('hello').digest('hex'));
    assert.equal(v.securityToken, SESSION.sessionToken);
  });

  it('SigV4QueryAuth and S3SigV4QueryAuth presigned URLs', () => {
    const sts = assertOk(get('sts-presign'), 'sts-presign');
    assert.equal(sts.presigned, true);
    assert.deepEqual(sts.signedHeaders, ['host', 'x-k8s-aws-id']);
    assertOk(get('sts-presign-longterm'), 'sts-presign-longterm');
    const s = assertOk(get('s3-presign'), 's3-presign');
    assert.equal(s.payloadHash, 'UNSIGNED-PAYLOAD');
  });

  it('botocore STS client: GetCallerIdentity, and an `aws eks get-token` presigned URL', () => {
    assertOk(get('client-call'), 'client-call');
    const t = assertOk(get('client-call-token'), 'client-call-token');
    assert.equal(t.region, 'ap-southeast-2');
    assert.equal(t.securityToken, SESSION.sessionToken);
    const p = assertOk(get('client-presign'), 'client-presign');
    assert.equal(p.presigned, true);
    assert.ok(p.signedHeaders.includes('x-k8s-aws-id'));
  });

  it('tampered body, header, path and query fail; wrong secret, unknown key, missing and expired tokens', () => {
    for (const name of ['tamper-body', 'tamper-header', 'tamper-path', 'tamper-query', 'wrong-secret']) {
      const o = get(name);
      assert.equal(o.kind, 'badSignature', `${name}: ${o.message}`);
    }
    assert.equal(get('unknown-key').kind, 'unknownKey');
    assert.equal(get('token-missing').kind, 'invalidToken');
    const e = get('expired-token');
    assert.equal(e.kind, 'expiredToken');
    assert.equal(e.message, 'The security token included in the request is expired');
  });
});

// ------------------------------------------------------------------ AWS's own test vector

describe('SigV4: AWS test suite vector', () => {
  it('get-vanilla verifies', async () => {
    const req: SignedRequest = {
      method: 'GET',
      rawPath: '/',
      rawQuery: '',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: new Uint8Array(),
    };
    const v = await verifySigV4(req, lookup, { now: new Date('2015-08-30T12:40:00Z'), uriEncoding: 'double' });
    assert.equal(v.service, 'service');
    assert.deepEqual(v.signedHeaders, ['host', 'x-amz-date']);
  });
});

// ------------------------------------------------------------------ every failure kind

describe('SigV4: failures, with AWS messages', () => {
  it('missing: no Authorization header and no presign parameters', async () => {
    const r = await signedSts();
    await expectFailure(verifySigV4(withHeaders(r, { authorization: undefined }), lookup, DOUBLE), 'missing', 'Request is missing Authentication Token');
    await expectFailure(verifySigV4(withHeaders(r, { authorization: '' }), lookup, DOUBLE), 'missing');
  });

  it('incomplete: missing Authorization parts, listed in one message as AWS does', async () => {
    const r = await signedSts();
    await expectFailure(
      verifySigV4(withHeaders(r, { authorization: 'foo', 'x-amz-date': undefined }), lookup, DOUBLE),
      'incomplete',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=foo",
    );
    const cred = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/sts/aws4_request';
    await expectFailure(
      verifySigV4(withAuth(r, cred), lookup, DOUBLE),
      'incomplete',
      `Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${cred}`,
    );
    await expectFailure(
      verifySigV4(withAuth(r, 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig'), lookup, DOUBLE),
      'incomplete',
      "'eyJhbGciOiJIUzI1NiJ9.e30.sig' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig'.",
    );
    // A space after "Credential=" (a pasted key with a blank) is AWS's favourite example.
    const spaced = authHeader(r).replace('Credential=', 'Credential= ');
    await expectFailure(verifySigV4(withAuth(r, spaced), lookup, DOUBLE), 'incomplete', /^'AKIDEXAMPLE\/20261128\/us-east-1\/sts\/aws4_request' not a valid key=value pair/);
  });

  it('incomplete: credential shape, algorithm, oversized header, absurd SignedHeaders', async () => {
    const r = await signedSts();
    const a = authHeader(r);
    await expectFailure(
      verifySigV4(withAuth(r, a.replace('/20261128/us-east-1/sts/aws4_request', '/20261128/us-east-1/sts')), lookup, DOUBLE),
      'incomplete',
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20261128/us-east-1/sts'",
    );
    await expectFailure(
      verifySigV4(withAuth(r, a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')), lookup, DOUBLE),
      'incomplete',
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now).",
    );
    await expectFailure(verifySigV4(withAuth(r, a + ', Pad=' + 'x'.repeat(9000)), lookup, DOUBLE), 'incomplete', /Authorization header is \d+ bytes long; at most 8192/);
    const many = Array.from({ length: 200 }, (_, i) => `x-h${i}`).join(';');
    await expectFailure(verifySigV4(withAuth(r, a.replace(/SignedHeaders=[^,]+/, `SignedHeaders=host;${many}`)), lookup, DOUBLE), 'incomplete', /at most 128/);
  });

  it('incomplete: presigned URL parameters', async () => {
    const presigned = toSigned(await jsSigner(LONG_TERM, 'sts').presign(jsRequest({ query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } }), { signingDate: SIGNED_AT, expiresIn: 60 }));
    const drop = (re: RegExp) => ({ ...presigned, rawQuery: presigned.rawQuery.split('&').filter((p) => !re.test(p)).join('&') });
    await expectFailure(
      verifySigV4(drop(/^X-Amz-(Algorithm|SignedHeaders|Date)=/), lookup, DOUBLE),
      'incomplete',
      "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
    const setExpires = (v: string) => ({ ...presigned, rawQuery: presigned.rawQuery.replace(/X-Amz-Expires=\d+/, `X-Amz-Expires=${v}`) });
    await expectFailure(verifySigV4(setExpires('604801'), lookup, DOUBLE), 'incomplete', /^X-Amz-Expires must be less than a week/);
    await expectFailure(verifySigV4(setExpires('abc'), lookup, DOUBLE), 'incomplete', 'X-Amz-Expires should be a number');
    await expectFailure(verifySigV4(setExpires('-5'), lookup, DOUBLE), 'incomplete', 'X-Amz-Expires must be non-negative');
    const both = { ...presigned, headers: { ...presigned.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } };
    const e = await expectFailure(verifySigV4(both, lookup, DOUBLE), 'incomplete', /^Only one auth mechanism allowed/);
    assert.equal(e.details.s3Code, 'InvalidArgument');
  });

  it('incomplete: an x-amz-content-sha256 that is neither a hash nor a known literal', async () => {
    const r = toSigned(await jsSigner(LONG_TERM, 's3', 'us-east-1', false).sign(jsRequest({ method: 'PUT', path: '/b/k', body: 'x', headers: { 'x-amz-content-sha256': 'wrong_sha256_hash_value_12345' } }), { signingDate: SIGNED_AT }));
    const e = await expectFailure(verifySigV4(r, lookup, SINGLE), 'incomplete', /^x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER/);
    assert.equal(e.details.s3Code, 'InvalidArgument');
  });

  it('malformedDate: X-Amz-Date, Date header and presigned X-Amz-Date', async () => {
    const r = await signedSts();
    await expectFailure(
      verifySigV4(withHeaders(r, { 'x-amz-date': '2015/08/30T12/36/00Z' }), lookup, DOUBLE),
      'malformedDate',
      "Date must be in ISO-8601 'basic format'. Got '2015/08/30T12/36/00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-date': '20261131T101500Z' }), lookup, DOUBLE), 'malformedDate');
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-date': undefined, date: 'zzzzzzzzz' }), lookup, DOUBLE), 'malformedDate', /Got 'zzzzzzzzz'/);
    const p = toSigned(await jsSigner(LONG_TERM, 'sts').presign(jsRequest({ query: { Action: 'GetCallerIdentity' } }), { signingDate: SIGNED_AT }));
    await expectFailure(verifySigV4({ ...p, rawQuery: p.rawQuery.replace(/X-Amz-Date=[^&]+/, 'X-Amz-Date=yesterday') }, lookup, DOUBLE), 'malformedDate', /Got 'yesterday'/);
  });

  it('unknownKey: from the lookup, and for an empty access key id', async () => {
    const r = await signedSts({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
    await expectFailure(verifySigV4(r, lookup, DOUBLE), 'unknownKey', 'The security token included in the request is invalid.');
    await expectFailure(verifySigV4(withAuth(r, authHeader(r).replace('AKIAUNKNOWNKEY000000/', '/')), lookup, DOUBLE), 'unknownKey');
  });

  it('badSignature: wrong secret, with the canonical request and string to sign in the details', async () => {
    const r = await signedSts({ accessKeyId: LONG_TERM.accessKeyId, secretAccessKey: 'wrong' });
    const e = await expectFailure(
      verifySigV4(r, lookup, DOUBLE),
      'badSignature',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    assert.match(e.details.canonicalRequest ?? '', /^POST\n\/\n\ncontent-length:43\ncontent-type:application\/x-www-form-urlencoded\nhost:sts.us-east-1.amazonaws.com\n/);
    assert.match(e.details.stringToSign ?? '', /^AWS4-HMAC-SHA256\n20261128T101500Z\n20261128\/us-east-1\/sts\/aws4_request\n[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(e.details).includes(LONG_TERM.secretAccessKey));
  });

  it('badSignature: scope date and terminator, host not signed, malformed signature', async () => {
    const r = await signedSts();
    const a = authHeader(r);
    await expectFailure(
      verifySigV4(withAuth(r, a.replace('/20261128/', '/20261127/')), lookup, DOUBLE),
      'badSignature',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261127' != '20261128', from '20261128T101500Z'.",
    );
    await expectFailure(
      verifySigV4(withAuth(r, a.replace('/aws4_request', '/aws5_request').replace('/20261128/', '/2026-11-28/')), lookup, DOUBLE),
      'badSignature',
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '2026-11-28' != '20261128', from '20261128T101500Z'.",
    );
    await expectFailure(
      verifySigV4(withAuth(r, a.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date')), lookup, DOUBLE),
      'badSignature',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
    await expectFailure(verifySigV4(withAuth(r, a.replace(/Signature=[0-9a-f]+/, 'Signature=ABCDEF')), lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4(withAuth(r, a.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${s.toUpperCase()}`)), lookup, DOUBLE), 'badSignature');
  });

  it('badSignature: a body that does not match a signed x-amz-content-sha256', async () => {
    const r = toSigned(await jsSigner(LONG_TERM, 's3', 'us-east-1', false).sign(jsRequest({ method: 'PUT', path: '/b/k', body: 'original' }), { signingDate: SIGNED_AT }));
    await verifySigV4(r, lookup, SINGLE);
    const e = await expectFailure(verifySigV4({ ...r, body: Buffer.from('tampered') }, lookup, SINGLE), 'badSignature', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    assert.equal(e.details.s3Code, 'XAmzContentSHA256Mismatch');
    assert.equal(e.details.s3ComputedContentSHA256, createHash('sha256').update('tampered').digest('hex'));
  });

  it('signatureExpired: past and future skew, with AWS message forms', async () => {
    const r = await signedSts();
    await expectFailure(
      verifySigV4(r, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() + 16 * 60_000) }),
      'signatureExpired',
      'Signature expired: 20261128T101500Z is now earlier than 20261128T101600Z (20261128T103100Z - 15 min.)',
    );
    const e = await expectFailure(
      verifySigV4(r, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() - 20 * 60_000) }),
      'signatureExpired',
      'Signature not yet current: 20261128T101500Z is still later than 20261128T101000Z (20261128T095500Z + 15 min.)',
    );
    assert.equal(e.details.s3Code, 'RequestTimeTooSkewed');
    // exactly at the limit is still fine; maxSkewMs is honoured
    await verifySigV4(r, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() + 15 * 60_000) });
    await expectFailure(verifySigV4(r, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() + 6 * 60_000), maxSkewMs: 5 * 60_000 }), 'signatureExpired', /\(20261128T102100Z - 5 min\.\)$/);
  });

  it('expiredToken and invalidToken: from the lookup (expired session, token missing or different)', async () => {
    await expectFailure(verifySigV4(await signedSts(EXPIRED), lookup, DOUBLE), 'expiredToken');
    const r = await signedSts(SESSION);
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-security-token': undefined }), lookup, DOUBLE), 'invalidToken');
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-security-token': 'other' }), lookup, DOUBLE), 'invalidToken');
    await verifySigV4(r, lookup, DOUBLE);
  });

  it('requestExpired: a presigned URL used after X-Amz-Expires; not yet valid in the future', async () => {
    const p = toSigned(await jsSigner(SESSION, 'sts').presign(jsRequest({ query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } }), { signingDate: SIGNED_AT, expiresIn: 60 }));
    const v = await verifySigV4(p, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() + 60_000) });
    assert.equal(v.expiresAt?.toISOString(), '2026-11-28T10:16:00.000Z');
    const e = await expectFailure(verifySigV4(p, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() + 61_000) }), 'requestExpired', 'Request has expired');
    assert.equal(e.details.expires, '2026-11-28T10:16:00Z');
    await expectFailure(verifySigV4(p, lookup, { ...DOUBLE, now: new Date(SIGNED_AT.getTime() - 16 * 60_000) }), 'signatureExpired', /^Signature not yet current/);
    // a week is the longest AWS allows, and it is honoured
    const week = toSigned(await jsSigner(LONG_TERM, 's3', 'us-east-1', false).presign(jsRequest({ path: '/b/k' }), { signingDate: SIGNED_AT, expiresIn: 604800 }));
    await verifySigV4(week, lookup, { ...SINGLE, now: new Date(SIGNED_AT.getTime() + 604_000_000) });
  });
});

// ------------------------------------------------------------------ tampering (JS signer, no network)

describe('SigV4: any change to a signed part fails', () => {
  it('body (hashed into x-amz-content-sha256 by the JS SDK, or not at all as botocore sends it)', async () => {
    const r = await signedSts();
    await expectFailure(verifySigV4({ ...r, body: Buffer.from(STS_FORM.replace('2011', '2012')) }, lookup, DOUBLE), 'badSignature');
    const resigned = toSigned(
      await new SignatureV4({ credentials: LONG_TERM, region: 'us-east-1', service: 'sts', sha256: Sha256, applyChecksum: false }).sign(jsRequest({ method: 'POST', body: STS_FORM }), { signingDate: SIGNED_AT }),
    );
    assert.equal(resigned.headers['x-amz-content-sha256'], undefined);
    await verifySigV4(resigned, lookup, DOUBLE);
    await expectFailure(verifySigV4({ ...resigned, body: Buffer.from(STS_FORM + '&x=1') }, lookup, DOUBLE), 'badSignature', /does not match the signature you provided/);
  });

  it('a signed header, the query, the path, the method', async () => {
    const r = toSigned(await jsSigner(LONG_TERM, 'iam').sign(jsRequest({ path: '/x/y', query: { Action: 'ListRoles', MaxItems: '10' }, headers: { 'x-amz-meta-a': 'b' } }), { signingDate: SIGNED_AT }));
    await verifySigV4(r, lookup, DOUBLE);
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-meta-a': 'c' }), lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4(withHeaders(r, { host: 'iam.amazonaws.com:8443' }), lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4({ ...r, rawQuery: r.rawQuery.replace('MaxItems=10', 'MaxItems=11') }, lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4({ ...r, rawQuery: r.rawQuery + '&Marker=m' }, lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4({ ...r, rawPath: '/x/z' }, lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4({ ...r, method: 'DELETE' }, lookup, DOUBLE), 'badSignature');
    // an unsigned header may change freely
    await verifySigV4(withHeaders(r, { 'user-agent': 'anything' }), lookup, DOUBLE);
  });

  it('presigned: the query, the signed header, the token', async () => {
    const p = toSigned(await jsSigner(SESSION, 'sts').presign(jsRequest({ query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { 'x-k8s-aws-id': 'c1' } }), { signingDate: SIGNED_AT, expiresIn: 60 }));
    await verifySigV4(p, lookup, DOUBLE);
    await expectFailure(verifySigV4({ ...p, rawQuery: p.rawQuery.replace('X-Amz-Expires=60', 'X-Amz-Expires=600') }, lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4(withHeaders(p, { 'x-k8s-aws-id': 'c2' }), lookup, DOUBLE), 'badSignature');
    await expectFailure(verifySigV4({ ...p, rawQuery: p.rawQuery.replace('Action=GetCallerIdentity', 'Action=GetSessionToken') }, lookup, DOUBLE), 'badSignature');
  });
});

// ------------------------------------------------------------------ header names, whitespace, encodings

describe('SigV4: header names and values', () => {
  it('header names are matched case-insensitively (callers other than node may pass any case)', async () => {
    const r = await signedSts(SESSION);
    const mixed: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) mixed[k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())] = v as string;
    assert.ok('X-Amz-Date' in mixed && 'Authorization' in mixed);
    const v = await verifySigV4({ ...r, headers: mixed }, lookup, DOUBLE);
    assert.equal(v.securityToken, SESSION.sessionToken);
    assert.equal(hasSigV4({ ...r, headers: mixed }), true);
  });

  it('header values: leading/trailing whitespace and inner runs of spaces and tabs', async () => {
    const r = toSigned(await jsSigner(LONG_TERM, 'sts').sign(jsRequest({ method: 'POST', body: STS_FORM, headers: { 'x-amz-meta-ws': 'a b c' } }), { signingDate: SIGNED_AT }));
    await verifySigV4(withHeaders(r, { 'x-amz-meta-ws': '  a \t b    c\t' }), lookup, DOUBLE);
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-meta-ws': 'a bc' }), lookup, DOUBLE), 'badSignature');
  });

  it('non-ASCII header values: sent as latin-1 (the SDKs) or as raw UTF-8 bytes (curl and friends)', async () => {
    const r = toSigned(await jsSigner(LONG_TERM, 'sts').sign(jsRequest({ method: 'POST', body: STS_FORM, headers: { 'x-amz-meta-name': 'café' } }), { signingDate: SIGNED_AT }));
    // node decodes header bytes as latin-1: an SDK's 0xE9 arrives as 'é', a UTF-8 client's C3 A9 as 'Ã©'
    await verifySigV4(withHeaders(r, { 'x-amz-meta-name': 'café' }), lookup, DOUBLE);
    await verifySigV4(withHeaders(r, { 'x-amz-meta-name': Buffer.from('café', 'utf8').toString('latin1') }), lookup, DOUBLE);
    await expectFailure(verifySigV4(withHeaders(r, { 'x-amz-meta-name': 'cafe' }), lookup, DOUBLE), 'badSignature');
  });

  it('HTTP/2 requests: :authority stands in for host', async () => {
    const r = await signedSts();
    await verifySigV4(withHeaders(r, { host: undefined, ':authority': r.headers['host'] as string }), lookup, DOUBLE);
  });

  it('the query is canonicalized strictly whatever encoding the client chose', async () => {
    const r = toSigned(await jsSigner(LONG_TERM, 'iam').sign(jsRequest({ query: { 'a b': 'c~d*e', list: ['2', '1'] } }), { signingDate: SIGNED_AT }));
    assert.equal(r.rawQuery, 'a%20b=c~d%2Ae&list=2&list=1');
    // lower-case hex, an encoded unreserved character, another pair order: same canonical query
    await verifySigV4({ ...r, rawQuery: 'list=1&a%20b=c%7ed%2ae&list=2' }, lookup, DOUBLE);
  });

  it('Date header forms: IMF-fixdate, RFC 850, asctime, numeric zone', async () => {
    const forms = ['Sat, 28 Nov 2026 10:15:00 GMT', 'Saturday, 28-Nov-26 10:15:00 GMT', 'Sat Nov 28 10:15:00 2026', 'Sat, 28 Nov 2026 11:15:00 +0100'];
    for (const date of forms) {
      const r = toSigned(
        await jsSigner(LONG_TERM, 'iam').sign(jsRequest({ query: { Action: 'ListRoles' } }), { signingDate: SIGNED_AT }),
      );
      // Re-sign by hand as botocore does with a Date header: the string to sign uses the basic form.
      const noAmz = withHeaders(r, { 'x-amz-date': undefined, date });
      const e = await expectFailure(verifySigV4(noAmz, lookup, DOUBLE), 'badSignature');
      // The failure's string to sign shows the Date header was read as the signing time.
      assert.match(e.details.stringToSign ?? '', /^AWS4-HMAC-SHA256\n20261128T101500Z\n/, date);
    }
  });
});

// ------------------------------------------------------------------ hasSigV4 and the key cache

describe('SigV4: hasSigV4 and the signing-key cache', () => {
  it('hasSigV4', async () => {
    const r = await signedSts();
    assert.equal(hasSigV4(r), true);
    assert.equal(hasSigV4(withHeaders(r, { authorization: undefined })), false);
    assert.equal(hasSigV4(withHeaders(r, { authorization: 'AWS AKIDEXAMPLE:c2lnbmF0dXJl' })), false);
    assert.equal(hasSigV4(withHeaders(r, { authorization: 'Bearer x' })), true);
    const p = toSigned(await jsSigner(LONG_TERM, 'sts').presign(jsRequest({ query: { Action: 'GetCallerIdentity' } })));
    assert.equal(hasSigV4(p), true);
    assert.equal(hasSigV4({ ...p, rawQuery: 'Action=GetCallerIdentity&X-Amz-Date=20261128T101500Z' }), false);
    assert.equal(hasSigV4({ ...p, rawQuery: 'AWSAccessKeyId=AKID&Signature=x&Expires=1' }), false);
  });

  it('the cache is a bounded LRU and a cached key verifies like a fresh one', async () => {
    const cache = new SigningKeyCache(2);
    const opts = { ...DOUBLE, keyCache: cache };
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'us-east-1']) {
      const r = toSigned(await jsSigner(LONG_TERM, 'sts', region).sign(jsRequest({ method: 'POST', body: STS_FORM }), { signingDate: SIGNED_AT }));
      assert.equal((await verifySigV4(r, lookup, opts)).region, region);
      assert.equal((await verifySigV4(r, lookup, opts)).region, region);
      assert.ok(cache.size <= 2);
    }
  });
});
