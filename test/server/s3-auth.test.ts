/**
 * S3 authentication (server/auth.ts authenticateS3 + s3AuthError) with the real credential
 * resolver (SQLite store, bootstrap administrator, sealed STS sessions), driven by real clients:
 * the JS SDK v3 S3Client and its presigner, botocore (boto3) and `aws s3 presign`. A node server
 * authenticates each request without reading its body and answers S3's XML error, which the SDKs
 * then parse: the error codes, statuses and messages are checked as the clients see them.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IamEnv } from '../../src/iam/env.js';
import { authenticateS3, CredentialResolver, s3AuthError, type S3Authentication } from '../../src/server/auth.js';
import { adminCredentials, bootstrap, secretSealer } from '../../src/server/bootstrap.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { SessionSealer } from '../../src/sts/session.js';
import { AuthFailure, contentSha256Mismatch, type SignedRequest } from '../../src/wire/sigv4.js';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('S3 authentication with the real credential resolver and real clients', () => {
  let dir = '';
  let store: Store;
  let resolver: CredentialResolver;
  let admin: Creds;
  let session: Creds;
  let expired: Creds;
  let account = '';
  let server: http.Server;
  let port = 0;
  let endpoint = '';
  let clock: () => Date = () => new Date();
  const seen: (S3Authentication | { error: ReturnType<typeof s3AuthError> })[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-s3auth-'));
    store = openSqliteStore(join(dir, 'store.db'));
    const env: IamEnv = {
      store,
      now: () => clock(),
      random: (n) => randomBytes(n),
      partition: 'aws',
      sealer: secretSealer(randomBytes(32)),
      cacheTtlMs: Number.POSITIVE_INFINITY,
      generation: 0,
    };
    const boot = await bootstrap(store, env, undefined);
    account = boot.account;
    const sessions = new SessionSealer(boot.sessionAead);
    resolver = new CredentialResolver(env, sessions);
    admin = (await adminCredentials(store, env.sealer))!;
    const claims = { account, roleArn: `arn:aws:iam::${account}:role/app`, roleId: 'AROAEXAMPLEROLEID0001', roleName: 'app', sessionName: 'pod-1' };
    session = sessions.issue(env.random, new Date(), 3600, claims).credentials;
    expired = sessions.issue(env.random, new Date(Date.now() - 2 * 3600_000), 900, claims).credentials;

    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const signed: SignedRequest = { method: req.method ?? 'GET', rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headers, rawHeaders: req.rawHeaders };
      const vh = /^(.+)\.localhost(:\d+)?$/.exec(String(req.headers.host ?? ''));
      authenticateS3(resolver, signed, clock(), { virtualHostBucket: vh?.[1] }).then(
        (auth) => {
          seen.push(auth);
          // Answer once the body is in (botocore sends Expect: 100-continue and waits for it).
          req.resume();
          req.on('end', () => {
            const body = JSON.stringify(auth.kind === 'signed' ? { kind: auth.kind, arn: auth.caller.arn, v: auth.signatureVersion, region: auth.region ?? null, presigned: auth.presigned } : auth);
            // botocore takes a non-empty 200 body to a PUT for S3's "200 with an error" and retries.
            if (req.method === 'PUT') res.writeHead(200, { etag: '"0"', 'content-length': 0 }).end();
            else res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), etag: '"0"' }).end(body);
          });
        },
        (e: unknown) => {
          req.resume();
          if (!(e instanceof AuthFailure)) {
            res.writeHead(500).end(String(e));
            return;
          }
          const err = s3AuthError(e);
          seen.push({ error: err });
          let extra = '';
          for (const [k, v] of Object.entries(err.extra ?? {})) extra += `<${k}>${esc(v)}</${k}>`;
          const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${esc(err.message)}</Message>${extra}<RequestId>r1</RequestId><HostId>h1</HostId></Error>`;
          res.writeHead(err.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    endpoint = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (credentials: Creds, extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client =>
    new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials, maxAttempts: 1, ...extra });

  async function getAs(credentials: Creds, extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): Promise<Record<string, unknown>> {
    const c = client(credentials, extra);
    try {
      const out = await c.send(new GetObjectCommand({ Bucket: 'bkt1', Key: 'dir/a b+c.txt' }));
      return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
    } finally {
      c.destroy();
    }
  }

  async function sdkError(p: Promise<unknown>): Promise<S3ServiceException> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof S3ServiceException, `expected an S3 service error, got ${String(e)}`);
      return e;
    }
    assert.fail('expected an error');
  }

  function fetchUrl(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: init.method ?? 'GET', path: u.pathname + u.search, headers: { host: u.host, ...init.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const xmlCode = (body: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const xmlField = (body: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];

  it('no authentication at all is the anonymous principal', async () => {
    const r = await fetchUrl(`${endpoint}/bkt1/k`);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { kind: 'anonymous' });
  });

  it('JS SDK v3 GetObject: the admin user (AKIA…) and a role session (ASIA… + token), SigV4 with the path as sent', async () => {
    const user = await getAs(admin);
    assert.deepEqual(user, { kind: 'signed', arn: `arn:aws:iam::${account}:user/irsa-admin`, v: 4, region: 'us-east-1', presigned: false });
    const role = await getAs(session, { region: 'eu-west-1' });
    assert.deepEqual(role, { kind: 'signed', arn: `arn:aws:sts::${account}:assumed-role/app/pod-1`, v: 4, region: 'eu-west-1', presigned: false });
  });

  it('JS SDK v3 presigned GET (s3-request-presigner), with a session token in the query', async () => {
    const c = client(session);
    try {
      const url = await getSignedUrl(c, new GetObjectCommand({ Bucket: 'bkt1', Key: 'ü/x y.txt' }), { expiresIn: 300 });
      assert.match(url, /X-Amz-Security-Token=/);
      const r = await fetchUrl(url);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body), { kind: 'signed', arn: `arn:aws:sts::${account}:assumed-role/app/pod-1`, v: 4, region: 'us-east-1', presigned: true });
      // expired: AccessDenied with X-Amz-Expires, Expires and ServerTime
      clock = () => new Date(Date.now() + 301_000);
      const late = await fetchUrl(url);
      clock = () => new Date();
      assert.equal(late.status, 403);
      assert.equal(xmlCode(late.body), 'AccessDenied');
      assert.equal(xmlField(late.body, 'Message'), 'Request has expired');
      assert.equal(xmlField(late.body, 'X-Amz-Expires'), '300');
      assert.match(xmlField(late.body, 'Expires') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(xmlField(late.body, 'ServerTime') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // S3 requires X-Amz-Expires on a presigned URL
      const noExpiry = await fetchUrl(url.replace(/&?X-Amz-Expires=300/, ''));
      assert.equal(noExpiry.status, 400);
      assert.equal(xmlCode(noExpiry.body), 'AuthorizationQueryParametersError');
      // SigV4 and SigV2 at once
      const both = await fetchUrl(`${url}&AWSAccessKeyId=AKIA&Signature=x&Expires=1`);
      assert.equal(xmlCode(both.body), 'InvalidArgument');
    } finally {
      c.destroy();
    }
  });

  const cliEnv = (creds: Creds): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  });
  const haveCli = spawnSync('aws', ['--version']).status === 0;
  const haveBoto = spawnSync('python3', ['-c', 'import boto3']).status === 0;

  it('aws s3 presign with role session credentials: SigV2, caller is the role session', { skip: haveCli ? false : 'aws CLI missing' }, async () => {
    const r = await run('aws', ['s3', 'presign', 's3://bkt1/report 2026.csv', '--endpoint-url', endpoint], cliEnv(session));
    assert.equal(r.status, 0, r.stderr);
    const url = r.stdout.trim();
    assert.match(url, /AWSAccessKeyId=ASIA/);
    const got = await fetchUrl(url);
    assert.equal(got.status, 200, got.body);
    assert.deepEqual(JSON.parse(got.body), { kind: 'signed', arn: `arn:aws:sts::${account}:assumed-role/app/pod-1`, v: 2, region: null, presigned: true });
    // the URL without its token: S3 does not know a temporary key without its token
    const noToken = await fetchUrl(url.replace(/&x-amz-security-token=[^&]*/, ''));
    assert.equal(noToken.status, 403);
    assert.equal(xmlCode(noToken.body), 'InvalidAccessKeyId');
    assert.equal(xmlField(noToken.body, 'AWSAccessKeyId'), session.accessKeyId);
  });

  /** Runs a child without blocking the event loop (the server it talks to lives in this process). */
  async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const status = await new Promise<number | null>((r) => child.on('close', r));
    return { status, stdout, stderr };
  }

  it('boto3 get_object / put_object (SigV4, streamed bodies) and a boto3 SigV2 presigned URL', { skip: haveBoto ? false : 'boto3 missing' }, async () => {
    const script = [
      'import json, sys, boto3, urllib.request',
      'c = boto3.client("s3", region_name="us-east-1", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], aws_session_token=sys.argv[4])',
      'out = {"get": json.loads(c.get_object(Bucket="bkt1", Key="k")["Body"].read())}',
      'c.put_object(Bucket="bkt1", Key="k", Body=b"x" * 1000)',
      'url = c.generate_presigned_url("get_object", Params={"Bucket": "bkt1", "Key": "k"})',
      'out["presigned"] = json.loads(urllib.request.urlopen(url).read())',
      'print(json.dumps(out))',
    ].join('\n');
    const r = await run('python3', ['-c', script, endpoint, session.accessKeyId, session.secretAccessKey, session.sessionToken!], { PATH: process.env['PATH'] ?? '', HOME: dir });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    assert.equal(out['get']!['v'], 4);
    assert.equal(out['presigned']!['v'], 2);
    assert.equal(out['presigned']!['arn'], `arn:aws:sts::${account}:assumed-role/app/pod-1`);
  });

  it('the §4 S3 column as the JS SDK sees it: InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, InvalidToken, RequestTimeTooSkewed', async () => {
    // a temporary key without its token
    let e = await sdkError(getAs({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }));
    assert.equal(e.name, 'InvalidAccessKeyId');
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, 'The AWS Access Key Id you provided does not exist in our records.');
    // an unknown long-term key
    e = await sdkError(getAs({ accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ', secretAccessKey: 'x' }));
    assert.equal(e.name, 'InvalidAccessKeyId');
    assert.equal((e as unknown as Record<string, unknown>)['AWSAccessKeyId'], 'AKIAZZZZZZZZZZZZZZZZ');
    // the right key, the wrong secret
    e = await sdkError(getAs({ accessKeyId: admin.accessKeyId, secretAccessKey: 'not-the-secret' }));
    assert.equal(e.name, 'SignatureDoesNotMatch');
    assert.equal(e.$metadata.httpStatusCode, 403);
    const sdm = e as unknown as Record<string, string>;
    assert.match(sdm['StringToSign'] ?? '', /^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
    assert.match(sdm['CanonicalRequest'] ?? '', /^GET\n\/bkt1\/dir\/a%20b%2Bc\.txt\n/);
    assert.match(sdm['StringToSignBytes'] ?? '', /^41 57 53 34 2d /);
    assert.equal(sdm['AWSAccessKeyId'], admin.accessKeyId);
    assert.match(sdm['SignatureProvided'] ?? '', /^[0-9a-f]{64}$/);
    // an expired session
    e = await sdkError(getAs(expired));
    assert.equal(e.name, 'ExpiredToken');
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, 'The provided token has expired.');
    // a token that is not one of ours
    e = await sdkError(getAs({ ...session, sessionToken: Buffer.from('forged').toString('base64') }));
    assert.equal(e.name, 'InvalidToken');
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, 'The provided token is malformed or otherwise invalid.');
    // a clock 20 minutes slow (the SDK would correct and retry; one attempt shows S3's answer)
    e = await sdkError(getAs(admin, { systemClockOffset: -20 * 60_000 }));
    assert.equal(e.name, 'RequestTimeTooSkewed');
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, 'The difference between the request time and the current time is too large.');
    assert.equal((e as unknown as Record<string, string>)['MaxAllowedSkewMilliseconds'], '900000');
    // and after all that, the same client still works
    assert.equal((await getAs(admin))['v'], 4);
  });

  it('malformed Authorization headers get S3’s codes and wording', async () => {
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const cases: [Record<string, string>, number, string, string][] = [
      [{ authorization: 'Bearer abc' }, 400, 'InvalidArgument', 'Unsupported Authorization Type'],
      [{ authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request', 'x-amz-date': amzDate }, 400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.'],
      [{ authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/${day}/us-east-1/s3, SignedHeaders=host, Signature=${'0'.repeat(64)}`, 'x-amz-date': amzDate, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, 400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'],
      [{ authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/20200101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`, 'x-amz-date': amzDate, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, 400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.'],
      [{ authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/${day}/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}` }, 403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header'],
      [{ authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/${day}/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`, 'x-amz-date': 'yesterday' }, 403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header'],
      [{ authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/${day}/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`, 'x-amz-date': amzDate, 'x-amz-content-sha256': 'not-a-hash' }, 400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.'],
    ];
    for (const [headers, status, code, message] of cases) {
      const r = await fetchUrl(`${endpoint}/bkt1/k`, { headers });
      assert.equal(r.status, status, `${code}: ${r.body}`);
      assert.equal(xmlCode(r.body), code);
      assert.equal(xmlField(r.body, 'Message'), message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    const bearer = await fetchUrl(`${endpoint}/bkt1/k`, { headers: { authorization: 'Bearer abc' } });
    assert.equal(xmlField(bearer.body, 'ArgumentName'), 'Authorization');
    assert.equal(xmlField(bearer.body, 'ArgumentValue'), 'Bearer abc');
  });

  it('streamed bodies: a PUT without x-amz-content-sha256 is InvalidRequest; a hex one is left to the caller to compare', async () => {
    const handler = new NodeHttpHandler();
    try {
      const signer = new SignatureV4({ credentials: admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
      const req = new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'PUT', path: '/bkt1/k', headers: { host: `127.0.0.1:${port}`, 'content-length': '5' }, body: 'hello' });
      const signed = await signer.sign(req);
      assert.equal(signed.headers['x-amz-content-sha256'], undefined);
      const { response } = await handler.handle(signed as HttpRequest);
      const chunks: Buffer[] = [];
      for await (const c of response.body as AsyncIterable<Buffer>) chunks.push(c);
      const body = Buffer.concat(chunks).toString();
      assert.equal(response.statusCode, 400);
      assert.equal(xmlCode(body), 'InvalidRequest');
      assert.equal(xmlField(body, 'Message'), 'Missing required header for this request: x-amz-content-sha256');
    } finally {
      handler.destroy();
    }
    seen.length = 0;
    const c = client(admin);
    try {
      await c.send(new PutObjectCommand({ Bucket: 'bkt1', Key: 'k', Body: 'hello' }));
    } finally {
      c.destroy();
    }
    const auth = seen[0] as Extract<S3Authentication, { kind: 'signed' }>;
    assert.equal(auth.kind, 'signed');
    assert.equal(auth.verified?.expectedBodySha256, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});

describe('s3AuthError: the S3 column of the authentication error table', () => {
  it('every failure kind maps to S3’s code, status and message', () => {
    const cases: [AuthFailure, string, number, string][] = [
      [new AuthFailure('unknownKey', 'x', { accessKeyId: 'AKIA1' }), 'InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'],
      [new AuthFailure('expiredToken', 'x'), 'ExpiredToken', 400, 'The provided token has expired.'],
      [new AuthFailure('invalidToken', 'x'), 'InvalidToken', 400, 'The provided token is malformed or otherwise invalid.'],
      [new AuthFailure('badSignature', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'), 'SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
      [new AuthFailure('requestExpired', 'Request has expired', { s3Code: 'AccessDenied', expires: '2026-01-01T00:00:00Z', serverTime: '2026-01-01T00:01:00Z' }), 'AccessDenied', 403, 'Request has expired'],
      [new AuthFailure('incomplete', 'q', { s3Code: 'AuthorizationQueryParametersError', s3Message: 'S3 says' }), 'AuthorizationQueryParametersError', 400, 'S3 says'],
      [new AuthFailure('incomplete', 'm', { s3Code: 'InvalidRequest' }), 'InvalidRequest', 400, 'm'],
      [new AuthFailure('malformedDate', 'm', { s3Code: 'AccessDenied', s3Message: 'AWS authentication requires a valid Date or x-amz-date header' }), 'AccessDenied', 403, 'AWS authentication requires a valid Date or x-amz-date header'],
      [new AuthFailure('signatureExpired', 'Signature expired', { s3Code: 'RequestTimeTooSkewed', s3Message: 'The difference between the request time and the current time is too large.', requestTime: '20260101T000000Z', serverTime: '2026-01-01T00:20:00Z', maxSkewMs: 900_000 }), 'RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'],
    ];
    for (const [failure, code, status, message] of cases) {
      const e = s3AuthError(failure);
      assert.equal(e.code, code, failure.kind);
      assert.equal(e.status, status, failure.kind);
      assert.equal(e.message, message, failure.kind);
    }
    assert.deepEqual(s3AuthError(cases[0]![0]).extra, { AWSAccessKeyId: 'AKIA1' });
    assert.deepEqual(s3AuthError(cases[4]![0]).extra, { Expires: '2026-01-01T00:00:00Z', ServerTime: '2026-01-01T00:01:00Z' });
    assert.deepEqual(s3AuthError(cases[8]![0]).extra, { RequestTime: '20260101T000000Z', ServerTime: '2026-01-01T00:20:00Z', MaxAllowedSkewMilliseconds: '900000' });
  });

  it('XAmzContentSHA256Mismatch from the helper a streaming caller throws', () => {
    const e = s3AuthError(contentSha256Mismatch('AB'.repeat(32), 'cd'.repeat(32)));
    assert.deepEqual(e, {
      code: 'XAmzContentSHA256Mismatch',
      status: 400,
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
      extra: { ClientComputedContentSHA256: 'ab'.repeat(32), S3ComputedContentSHA256: 'cd'.repeat(32) },
    });
  });
});
