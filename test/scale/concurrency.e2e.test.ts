/**
 * IAM's invariants under concurrency across two replicas on one PostgreSQL, enforced by the
 * database (serializable transactions with retry, src/store/postgres.ts) — requests alternate
 * between the replicas and are all in flight at once:
 * - 50 CreatePolicyVersion on one policy: exactly 5 versions exist (the quota), exactly one is the
 *   default, every other call got LimitExceeded;
 * - 50 CreateRole with names differing only in case: exactly one succeeds, the rest get
 *   EntityAlreadyExists;
 * - AttachRolePolicy racing DeletePolicy: afterwards no role is attached to a policy that is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = (i: number): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b-${i}/*` }] });

function iamOf(srv: IrsaProcess): IAMClient {
  return new IAMClient({
    region: 'us-east-1',
    endpoint: srv.url,
    credentials: { accessKeyId: srv.env['AWS_ACCESS_KEY_ID'] as string, secretAccessKey: srv.env['AWS_SECRET_ACCESS_KEY'] as string },
    maxAttempts: 1,
  });
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof IAMServiceException ? e.name : `unexpected: ${String(e)}`;
  }
}

describe('IAM invariants with two replicas on one PostgreSQL', { timeout: 600_000 }, async () => {
  const pgOrSkip = await startTestPostgres();
  const skip = 'skip' in pgOrSkip ? pgOrSkip.skip : false;
  const pg = 'skip' in pgOrSkip ? undefined : (pgOrSkip as TestPostgres);
  const dataKey = Buffer.alloc(32, 7).toString('base64');
  let a: IrsaProcess | undefined;
  let b: IrsaProcess | undefined;
  let clients: IAMClient[] = [];
  before(async () => {
    if (!pg) return;
    a = await startIrsa({ store: pg.url, dataKey });
    b = await startIrsa({ store: pg.url, dataKey });
    clients = [iamOf(a), iamOf(b)];
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await a?.stop();
    await b?.stop();
    removeDir(a?.dataDir ?? '');
    removeDir(b?.dataDir ?? '');
    await pg?.stop();
  });
  const via = (i: number): IAMClient => clients[i % 2] as IAMClient;

  it('50 concurrent CreatePolicyVersion on one policy: exactly 5 versions, one default, the rest LimitExceeded', { skip }, async () => {
    const arn = (await via(0).send(new CreatePolicyCommand({ PolicyName: 'contended', PolicyDocument: doc(0) }))).Policy?.Arn as string;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => outcome(via(i).send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(i + 1), SetAsDefault: i % 3 === 0 })))));
    const tally = results.reduce<Record<string, number>>((m, r) => ({ ...m, [r]: (m[r] ?? 0) + 1 }), {});
    assert.deepEqual(tally, { ok: 4, LimitExceededException: 46 }, JSON.stringify(tally));
    for (const c of clients) {
      const versions = (await c.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
      assert.equal(versions.length, 5);
      assert.equal(versions.filter((v) => v.IsDefaultVersion).length, 1);
      assert.equal((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId, versions.find((v) => v.IsDefaultVersion)?.VersionId);
    }
  });

  it('50 concurrent CreateRole with names differing only in case: exactly one succeeds', { skip }, async () => {
    const names = Array.from({ length: 50 }, (_, i) => [...'casefold-role'].map((ch, j) => ((i >> j) & 1 ? ch.toUpperCase() : ch)).join(''));
    const unique = [...new Set(names)];
    assert.ok(unique.length >= 32, 'the names differ (only in case)');
    const results = await Promise.all(names.map((n, i) => outcome(via(i).send(new CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: TRUST })))));
    assert.equal(results.filter((r) => r === 'ok').length, 1, JSON.stringify(results));
    assert.equal(results.filter((r) => r === 'EntityAlreadyExistsException').length, 49);
    const listed = ((await via(1).send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? []).filter((r) => r.RoleName?.toLowerCase() === 'casefold-role');
    assert.equal(listed.length, 1);
  });

  it('AttachRolePolicy racing DeletePolicy: no attachment is left pointing at a deleted policy', { skip }, async () => {
    const roles = Array.from({ length: 10 }, (_, i) => `racer-${i}`);
    for (const r of roles) await via(0).send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: TRUST }));
    for (let round = 0; round < 5; round++) {
      const arn = (await via(round).send(new CreatePolicyCommand({ PolicyName: `raced-${round}`, PolicyDocument: doc(round) }))).Policy?.Arn as string;
      const attaches = roles.map((r, i) => outcome(via(i).send(new AttachRolePolicyCommand({ RoleName: r, PolicyArn: arn }))));
      // The delete only succeeds once nothing is attached: detach and delete, again and again, during the attaches.
      const deleter = (async () => {
        for (let i = 0; i < 20; i++) {
          for (const r of roles) await outcome(via(i + 1).send(new DetachRolePolicyCommand({ RoleName: r, PolicyArn: arn })));
          if ((await outcome(via(i).send(new DeletePolicyCommand({ PolicyArn: arn })))) === 'ok') return true;
        }
        return false;
      })();
      const [results, deleted] = await Promise.all([Promise.all(attaches), deleter]);
      for (const r of results) assert.ok(['ok', 'NoSuchEntityException'].includes(r), r);
      const exists = (await outcome(via(0).send(new GetPolicyCommand({ PolicyArn: arn })))) === 'ok';
      assert.equal(exists, !deleted);
      for (const r of roles) {
        for (const c of clients) {
          const attached = (await c.send(new ListAttachedRolePoliciesCommand({ RoleName: r }))).AttachedPolicies ?? [];
          if (!exists) assert.ok(!attached.some((p) => p.PolicyArn === arn), `${r} is attached to deleted ${arn}`);
        }
      }
    }
  });
});
