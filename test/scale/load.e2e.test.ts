/**
 * Two replicas on one PostgreSQL under load for 60 s (IRSA_LOAD_SECONDS to change it): a pod's
 * AssumeRoleWithWebIdentity and authorized GetObject, spread over both replicas, each S3 request
 * signed with credentials minted by the other replica half of the time. Zero errors allowed;
 * throughput per replica and in total is reported as test diagnostics (a Node client: it measures
 * correctness under load, not peak speed — `npm run bench:scale` measures that with wrk).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const SECONDS = Number(process.env['IRSA_LOAD_SECONDS'] ?? 60);
const WORKERS_PER_REPLICA = 4;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

async function assume(url: string, roleArn: string, token: string): Promise<Creds> {
  const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'load', WebIdentityToken: token });
  const r = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: body.toString() });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`AssumeRoleWithWebIdentity ${r.status}: ${text.slice(0, 300)}`);
  const field = (n: string): string => (new RegExp(`<${n}>([^<]+)</${n}>`).exec(text)?.[1] ?? '').trim();
  return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
}

describe(`two replicas under load for ${SECONDS} s`, { timeout: (SECONDS + 240) * 1000 }, async () => {
  const pgOrSkip = await startTestPostgres();
  const skip = 'skip' in pgOrSkip ? pgOrSkip.skip : false;
  const pg = 'skip' in pgOrSkip ? undefined : (pgOrSkip as TestPostgres);
  const dataKey = Buffer.alloc(32, 9).toString('base64');
  const replicas: IrsaProcess[] = [];
  let pod: PodIdentity | undefined;
  before(async () => {
    if (!pg) return;
    replicas.push(await startIrsa({ store: pg.url, dataKey }), await startIrsa({ store: pg.url, dataKey }));
    const a = replicas[0] as IrsaProcess;
    assert.equal(aws(['s3', 'mb', 's3://load'], a.env).status, 0);
    assert.equal(aws(['s3api', 'put-object', '--bucket', 'load', '--key', 'obj', '--body', '/etc/hostname'], a.env).status, 0);
    // With a shared store the provider is registered through the AWS API (irsa utils reads a data directory).
    const issuer = aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], a.env).stdout.trim();
    const made = aws(['iam', 'create-open-id-connect-provider', '--url', issuer, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', '0000000000000000000000000000000000000000'], a.env);
    assert.equal(made.status, 0, made.stderr);
    pod = await podIdentity(a, { roleName: 'loader', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::load/*' }] } });
  });
  after(async () => {
    for (const r of replicas) {
      await r.stop();
      removeDir(r.dataDir);
    }
    await pg?.stop();
  });

  it('AssumeRoleWithWebIdentity and GetObject through both replicas: zero errors', { skip }, async (t) => {
    const p = pod as PodIdentity;
    const token = readFileSync(p.tokenFile, 'utf8').trim();
    const expected = readFileSync('/etc/hostname');
    const counts = replicas.map(() => ({ assume: 0, get: 0 }));
    const errors: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    const worker = async (r: number, w: number): Promise<void> => {
      const here = replicas[r] as IrsaProcess;
      const there = replicas[1 - r] as IrsaProcess;
      let creds: Creds | undefined;
      let client: S3Client | undefined;
      for (let i = 0; Date.now() < deadline; i++) {
        try {
          if (!creds || i % 20 === 0) {
            // Credentials minted by the other replica half of the time.
            creds = await assume((w % 2 ? there : here).url, p.roleArn, token);
            counts[w % 2 ? 1 - r : r]!.assume++;
            client?.destroy();
            client = new S3Client({ region: 'us-east-1', endpoint: here.url, forcePathStyle: true, credentials: creds, maxAttempts: 1 });
          }
          const out = await (client as S3Client).send(new GetObjectCommand({ Bucket: 'load', Key: 'obj' }));
          const bytes = Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
          if (!bytes.equals(expected)) throw new Error('wrong bytes');
          counts[r]!.get++;
        } catch (e) {
          if (errors.length < 20) errors.push(`replica ${r}: ${(e as Error).message}`);
          else errors.length++;
        }
      }
      client?.destroy();
    };
    await Promise.all(replicas.flatMap((_, r) => Array.from({ length: WORKERS_PER_REPLICA }, (__, w) => worker(r, w))));
    const per = counts.map((c, r) => `replica ${r}: ${c.assume} AssumeRoleWithWebIdentity, ${c.get} GetObject (${((c.assume + c.get) / SECONDS).toFixed(0)} req/s)`);
    const total = counts.reduce((n, c) => n + c.assume + c.get, 0);
    for (const line of per) t.diagnostic(line);
    t.diagnostic(`total: ${total} requests in ${SECONDS} s (${(total / SECONDS).toFixed(0)} req/s), ${errors.length} errors`);
    assert.deepEqual(errors, []);
    for (const c of counts) assert.ok(c.assume > 0 && c.get > 0, 'both replicas served both calls');
  });
});
