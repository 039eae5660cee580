/**
 * Crash safety under a load of IAM writes (and, on PostgreSQL, S3 uploads): every write that was
 * acknowledged is there afterwards, and nothing is half there — every policy has between one and
 * five versions and exactly one default, every attachment names a policy that exists, no role
 * holds more than ten, every acknowledged object reads back with its ETag.
 * - SQLite (the default): `irsa up` is SIGKILLed, then restarted on the same data directory.
 *   (S3 uploads under SIGKILL on SQLite: test/s3/durability.e2e.test.ts.)
 * - PostgreSQL: one of two replicas is SIGKILLed and the other answers; separately, PostgreSQL
 *   itself is stopped and started under load, and the replica that lived through it answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = (i: number): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}/*` }] });

function client(srv: IrsaProcess): IAMClient {
  return new IAMClient({
    region: 'us-east-1',
    endpoint: srv.url,
    credentials: { accessKeyId: srv.env['AWS_ACCESS_KEY_ID'] as string, secretAccessKey: srv.env['AWS_SECRET_ACCESS_KEY'] as string },
    maxAttempts: 1,
  });
}

interface Acked {
  roles: Set<string>;
  policies: Map<string, string>;
  versions: Map<string, Set<string>>;
  attachments: Set<string>;
  objects: Map<string, { etag: string; body: Buffer }>;
}

/** Workers writing IAM (and S3 when `s3` is given) through `srv` until `stop()`; what was acknowledged. */
function load(srv: IrsaProcess, prefix: string, s3: boolean): { acked: Acked; stop(): Promise<void> } {
  const iam = client(srv);
  const s3c = s3 ? new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: { accessKeyId: srv.env['AWS_ACCESS_KEY_ID'] as string, secretAccessKey: srv.env['AWS_SECRET_ACCESS_KEY'] as string }, maxAttempts: 1 }) : undefined;
  const acked: Acked = { roles: new Set(), policies: new Map(), versions: new Map(), attachments: new Set(), objects: new Map() };
  let stopped = false;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stopped; i++) {
      const name = `${prefix}${w}-${i}`;
      try {
        await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
        acked.roles.add(name);
        const p = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc(i) }));
        const arn = p.Policy?.Arn as string;
        acked.policies.set(name, arn);
        acked.versions.set(arn, new Set(['v1']));
        for (let v = 0; v < 3 && !stopped; v++) {
          const out = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(i + v + 1), SetAsDefault: v % 2 === 0 }));
          acked.versions.get(arn)?.add(out.PolicyVersion?.VersionId as string);
        }
        await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }));
        acked.attachments.add(`${name} ${arn}`);
        if (s3c) {
          const body = randomBytes(20_000 + ((w * 7919 + i * 104729) % 300_000));
          const out = await s3c.send(new PutObjectCommand({ Bucket: 'crash', Key: name, Body: body }));
          acked.objects.set(name, { etag: out.ETag ?? '', body });
        }
      } catch {
        // The server (or its database) went away: this write was not acknowledged; try the next.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const workers = Array.from({ length: 6 }, (_, w) => worker(w));
  return {
    acked,
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      iam.destroy();
      s3c?.destroy();
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}

/** Every acknowledged write is present through `srv`, and nothing anywhere is half there. */
async function verify(srv: IrsaProcess, acked: Acked): Promise<void> {
  const again = client(srv);
  const s3c = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: { accessKeyId: srv.env['AWS_ACCESS_KEY_ID'] as string, secretAccessKey: srv.env['AWS_SECRET_ACCESS_KEY'] as string }, maxAttempts: 1 });
  try {
    for (const name of acked.roles) assert.ok((await again.send(new GetRoleCommand({ RoleName: name }))).Role, `role ${name}`);
    for (const [name, arn] of acked.policies) assert.equal((await again.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.PolicyName, name);
    for (const [arn, versions] of acked.versions) {
      const listed = new Set(((await again.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? []).map((v) => v.VersionId));
      for (const v of versions) assert.ok(listed.has(v), `${arn} ${v}`);
    }
    for (const a of acked.attachments) {
      const [role, arn] = a.split(' ') as [string, string];
      const attached = (await again.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? [];
      assert.ok(attached.some((p) => p.PolicyArn === arn), a);
    }
    for (const [key, { etag, body }] of acked.objects) {
      const got = await s3c.send(new GetObjectCommand({ Bucket: 'crash', Key: key }));
      assert.equal(got.ETag, etag, key);
      assert.ok(Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).equals(body), key);
    }
    const policies = (await again.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1000 }))).Policies ?? [];
    for (const p of policies) {
      const versions = (await again.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn }))).Versions ?? [];
      assert.ok(versions.length >= 1 && versions.length <= 5, `${p.Arn}: ${versions.length} versions`);
      assert.equal(versions.filter((v) => v.IsDefaultVersion).length, 1, `${p.Arn}: one default version`);
      assert.equal(versions.find((v) => v.IsDefaultVersion)?.VersionId, p.DefaultVersionId);
    }
    const known = new Set(policies.map((p) => p.Arn));
    const roles = (await again.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? [];
    for (const r of roles) {
      const attached = (await again.send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName }))).AttachedPolicies ?? [];
      assert.ok(attached.length <= 10);
      for (const p of attached) assert.ok(known.has(p.PolicyArn) || p.PolicyArn?.startsWith('arn:aws:iam::aws:'), `${r.RoleName} → ${p.PolicyArn}`);
    }
  } finally {
    again.destroy();
    s3c.destroy();
  }
}

describe('IAM writes across SIGKILL (SQLite)', { timeout: 300_000 }, () => {
  let srv: IrsaProcess | undefined;
  let dataDir = '';
  after(async () => {
    await srv?.stop();
    removeDir(dataDir);
  });

  it('every acknowledged write survives; no policy, version or attachment is half there', async () => {
    srv = await startIrsa();
    dataDir = srv.dataDir;
    const l = load(srv, 'w', false);
    await until(() => l.acked.attachments.size >= 12, 'a dozen attachments acknowledged before the kill');
    srv.child.kill('SIGKILL');
    await new Promise((r) => srv?.child.once('exit', r));
    await l.stop();
    srv = await startIrsa({ dataDir });
    await verify(srv, l.acked);
  });
});

describe('IAM writes and S3 uploads across a replica SIGKILL and a PostgreSQL restart', { timeout: 600_000 }, async () => {
  const pgOrSkip = await startTestPostgres();
  const skip = 'skip' in pgOrSkip ? pgOrSkip.skip : false;
  const pg = 'skip' in pgOrSkip ? undefined : (pgOrSkip as TestPostgres);
  const dataKey = Buffer.alloc(32, 5).toString('base64');
  const replicas: IrsaProcess[] = [];
  after(async () => {
    for (const r of replicas) {
      await r.stop();
      removeDir(r.dataDir);
    }
    await pg?.stop();
  });

  it('SIGKILL one replica under load: the other answers with every acknowledged write, nothing half there', { skip }, async () => {
    const p = pg as TestPostgres;
    replicas.push(await startIrsa({ store: p.url, dataKey }), await startIrsa({ store: p.url, dataKey }));
    const [a, b] = replicas as [IrsaProcess, IrsaProcess];
    assert.equal(aws(['s3', 'mb', 's3://crash'], a.env).status, 0);
    const l = load(a, 'k', true);
    await until(() => l.acked.objects.size >= 8, 'uploads acknowledged before the kill');
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    await l.stop();
    await verify(b, l.acked);
  });

  it('PostgreSQL stopped and started under load: every acknowledged write is there afterwards', { skip: skip || (pg && !pg.halt ? 'this PostgreSQL cannot be stopped by the test (IRSA_PG_URL)' : false) }, async () => {
    const p = pg as TestPostgres;
    const b = replicas[1] as IrsaProcess;
    const l = load(b, 'r', true);
    await until(() => l.acked.objects.size >= 4, 'uploads acknowledged before the restart');
    await p.halt?.();
    await new Promise((r) => setTimeout(r, 1000));
    await p.resume?.();
    const before = l.acked.attachments.size;
    // The replica recovers by itself: writes are acknowledged again.
    await until(() => l.acked.attachments.size > before + 3, 'writes acknowledged again after PostgreSQL is back');
    await l.stop();
    await verify(b, l.acked);
  });
});
