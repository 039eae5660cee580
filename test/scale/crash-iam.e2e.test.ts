/**
 * Crash safety of IAM writes on the embedded default (SQLite): under a load of concurrent IAM
 * writes, `irsa up` is SIGKILLed. After a restart on the same data directory every write that
 * was acknowledged is there, and nothing is half there: every policy has between one and five
 * versions and exactly one default, every attachment names a policy that exists, no role holds
 * more than ten. (S3 uploads under SIGKILL: test/s3/durability.e2e.test.ts.)
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
import { removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

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
    const iam = client(srv);
    const acked = { roles: new Set<string>(), policies: new Map<string, string>(), versions: new Map<string, Set<string>>(), attachments: new Set<string>() };
    let stop = false;
    // Workers: each creates a role and a policy, adds versions, attaches; until the kill.
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
          acked.roles.add(name);
          const p = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc(i) }));
          const arn = p.Policy?.Arn as string;
          acked.policies.set(name, arn);
          acked.versions.set(arn, new Set(['v1']));
          for (let v = 0; v < 3 && !stop; v++) {
            const out = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(i + v + 1), SetAsDefault: v % 2 === 0 }));
            acked.versions.get(arn)?.add(out.PolicyVersion?.VersionId as string);
          }
          await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }));
          acked.attachments.add(`${name} ${arn}`);
        } catch {
          return; // the server went away
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    for (let i = 0; i < 600 && acked.attachments.size < 12; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(acked.attachments.size >= 12, `only ${acked.attachments.size} attachments were acknowledged`);
    srv.child.kill('SIGKILL');
    await new Promise((r) => srv?.child.once('exit', r));
    stop = true;
    await Promise.all(workers);
    iam.destroy();

    srv = await startIrsa({ dataDir });
    const again = client(srv);
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
      // Nothing half there, acknowledged or not.
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
    }
  });
});
