import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DecisionLog } from '../../src/server/decision-log.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { repoRoot } from '../support/shared.js';

/**
 * Who may do what on the S3 endpoint, end to end: AWS's errors for expired session credentials,
 * a tampered signature and a skewed clock; anonymous requests allowed only by a bucket policy;
 * a bucket policy that grants a role on its own; condition keys S3 supplies (s3:prefix,
 * aws:SourceIp); and every decision in the decision log under the request id the client saw.
 * The server runs with a clock the test can move (test/support/irsa-clock.mts), so credentials
 * expire without waiting an hour.
 */
const HOUR = 3600_000;

async function startClockedIrsa(): Promise<IrsaProcess & { setOffset(ms: number): Promise<void> }> {
  const srv = await startIrsa({ dataDir: mkdtempSync(join(tmpdir(), 'irsa-s3-access-')), command: (dataDir) => [join(repoRoot, 'test/support/irsa-clock.mts'), dataDir] });
  return {
    ...srv,
    setOffset: async (ms) => {
      writeFileSync(join(srv.dataDir, 'clock-offset-ms'), String(ms));
      const seen = srv.output().length;
      srv.child.kill('SIGUSR2');
      for (let i = 0; i < 100 && !srv.output().slice(seen).includes(`clock offset ${ms}`); i++) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

interface S3Failure {
  code: string;
  status: number | undefined;
  message: string;
  requestId: string | undefined;
}

async function failure(p: Promise<unknown>): Promise<S3Failure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, String(e));
    return { code: e.name, status: e.$metadata.httpStatusCode, message: e.message, requestId: e.$metadata.requestId };
  }
  assert.fail('expected the call to fail');
}

describe('S3 authorization and authentication end to end', () => {
  let srv: Awaited<ReturnType<typeof startClockedIrsa>>;
  let reader: PodIdentity;
  let nobody: PodIdentity;
  let account: string;
  const admin = (args: string[]) => {
    const r = aws(args, srv.env, srv.dataDir);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const client = async (pod: PodIdentity, extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
    new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: await pod.credentials(), ...extra });

  before(async () => {
    srv = await startClockedIrsa();
    account = JSON.parse(admin(['sts', 'get-caller-identity']))['Account'];
    reader = await podIdentity(srv, {
      roleName: 'reader',
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acl-data/*' },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::acl-data', Condition: { StringLike: { 's3:prefix': 'home/*' } } },
        ],
      },
    });
    nobody = await podIdentity(srv, { roleName: 'nobody', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] } });
    admin(['s3', 'mb', 's3://acl-data']);
    writeFileSync(join(srv.dataDir, 'f.txt'), 'file');
    for (const k of ['home/a.txt', 'public/p.txt', 'private/x.txt', 'shared/s.txt']) admin(['s3', 'cp', join(srv.dataDir, 'f.txt'), `s3://acl-data/${k}`]);
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('s3:prefix conditions: listing under home/ is allowed, the root listing is denied with AWS’s text', async () => {
    const c = await client(reader);
    try {
      const ok = await c.send(new ListObjectsV2Command({ Bucket: 'acl-data', Prefix: 'home/' }));
      assert.deepEqual(ok.Contents?.map((o) => o.Key), ['home/a.txt']);
      const denied = await failure(c.send(new ListObjectsV2Command({ Bucket: 'acl-data' })));
      assert.equal(denied.code, 'AccessDenied');
      assert.equal(denied.status, 403);
      assert.match(denied.message, new RegExp(`^User: arn:aws:sts::${account}:assumed-role/reader/test-\\d+ is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::acl-data" because no identity-based policy allows the s3:ListBucket action$`));
      // The decision is in the decision log under the request id the client saw.
      await new Promise((r) => setTimeout(r, 400));
      const store = openSqliteStore(join(srv.dataDir, 'store.db'));
      try {
        const [entry, ...more] = await new DecisionLog(store).get(denied.requestId ?? '');
        assert.equal(more.length, 0);
        assert.equal(entry?.action, 's3:ListBucket');
        assert.equal(entry?.resource, 'arn:aws:s3:::acl-data');
        assert.equal(entry?.decision, 'implicitDeny');
        assert.equal(entry?.message, denied.message);
      } finally {
        await store.close();
      }
    } finally {
      c.destroy();
    }
  });

  it('without s3:ListBucket a missing key is AccessDenied, not NoSuchKey', async () => {
    const c = await client(reader);
    try {
      const e = await failure(c.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'nothing-here' })));
      assert.equal(e.code, 'AccessDenied');
      assert.match(e.message, /s3:ListBucket on resource: "arn:aws:s3:::acl-data"/);
    } finally {
      c.destroy();
    }
  });

  it('anonymous requests: denied by default, allowed only by a bucket policy naming everyone', async () => {
    const url = `${srv.url}/acl-data/public/p.txt`;
    let r = await fetch(url);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acl-data/public/*' },
        { Sid: 'NobodyReadsShared', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/nobody` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acl-data/shared/*' },
        { Sid: 'OnlyFromTen', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acl-data/private/*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      ],
    };
    writeFileSync(join(srv.dataDir, 'policy.json'), JSON.stringify(policy));
    admin(['s3api', 'put-bucket-policy', '--bucket', 'acl-data', '--policy', 'file://policy.json']);
    r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'file');
    const put = await fetch(url, { method: 'PUT', body: 'overwrite' });
    assert.equal(put.status, 403);
    const list = await fetch(`${srv.url}/acl-data?list-type=2`);
    assert.equal(list.status, 403);
    const head = await fetch(`${srv.url}/acl-data/private/x.txt`, { method: 'HEAD' });
    assert.equal(head.status, 403);
    assert.equal(await head.text(), '', 'HEAD errors have no body');
  });

  it('a bucket policy naming a role grants on its own in the same account; aws:SourceIp denies', async () => {
    const c = await client(nobody);
    try {
      const got = await c.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'shared/s.txt' }));
      assert.equal(await got.Body?.transformToString(), 'file');
      const e = await failure(c.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'home/a.txt' })));
      assert.match(e.message, /because no identity-based policy allows the s3:GetObject action$/);
    } finally {
      c.destroy();
    }
    const r = await client(reader);
    try {
      const denied = await failure(r.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'private/x.txt' })));
      assert.match(denied.message, /s3:GetObject on resource: "arn:aws:s3:::acl-data\/private\/x.txt" with an explicit deny in a resource-based policy$/);
    } finally {
      r.destroy();
    }
  });

  it('a tampered signature is SignatureDoesNotMatch; a clock 20 minutes off is RequestTimeTooSkewed', async () => {
    const creds = await reader.credentials();
    const wrong = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: { ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}${creds.secretAccessKey.endsWith('A') ? 'B' : 'A'}` } });
    const bad = await failure(wrong.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'home/a.txt' })));
    wrong.destroy();
    assert.deepEqual([bad.code, bad.status], ['SignatureDoesNotMatch', 403]);
    assert.match(bad.message, /^The request signature we calculated does not match the signature you provided/);
    // maxAttempts 1: the JS SDK would otherwise correct its clock from the error and retry.
    const skewed = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: creds, systemClockOffset: -20 * 60_000, maxAttempts: 1 });
    const e = await failure(skewed.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'home/a.txt' })));
    skewed.destroy();
    assert.deepEqual([e.code, e.status, e.message], ['RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.']);
  });

  it('session credentials past their expiry are ExpiredToken', async () => {
    const creds = await reader.credentials();
    const c = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: creds, maxAttempts: 1 });
    assert.equal(await (await c.send(new GetObjectCommand({ Bucket: 'acl-data', Key: 'home/a.txt' }))).Body?.transformToString(), 'file');
    c.destroy();
    await srv.setOffset(2 * HOUR);
    try {
      // The client's clock moves with the server's, so the request is not skewed: only expired.
      const later = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: creds, systemClockOffset: 2 * HOUR, maxAttempts: 1 });
      const e = await failure(later.send(new PutObjectCommand({ Bucket: 'acl-data', Key: 'home/b.txt', Body: 'x' })));
      later.destroy();
      assert.deepEqual([e.code, e.status, e.message], ['ExpiredToken', 400, 'The provided token has expired.']);
    } finally {
      await srv.setOffset(0);
    }
  });
});
