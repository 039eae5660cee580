/**
 * `npm run bench:scale`: what replicas on PostgreSQL cost and buy, against the SQLite default.
 *
 * 1. Throughput: AssumeRoleWithWebIdentity (a cluster token) and authorized GetObject (4 KiB,
 *    SigV4 + session token + policy) with wrk, for: SQLite (one process), PostgreSQL with one
 *    replica, PostgreSQL with two replicas (one wrk per replica at the same time; totals summed).
 * 2. Decision latency as the store grows: 1, 1,000 and 100,000 roles (each with an inline policy)
 *    in SQLite and in PostgreSQL; the time to authorize a request for a random role through the
 *    server's own PolicyCache + Authorizer, cold (first use: store read and compile) and warm.
 *
 *   npm run bench:scale [-- --quick] [--duration S] [--roles 1,1000,100000] [--no-build] [--no-throughput] [--no-latency]
 *
 * PostgreSQL is a throwaway server from test/support/postgres.ts (initdb/pg_ctl, fsync off), or
 * IRSA_PG_URL. Everything runs on this machine: with 2 vCPUs, two replicas, PostgreSQL and wrk
 * share the same cores, so the two-replica column shows the cost of sharing, not the gain a
 * machine per replica would show.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { Authorizer, type Caller } from '../../src/iam/authorizer.js';
import type { IamEnv } from '../../src/iam/env.js';
import { K, entityScope } from '../../src/iam/model.js';
import { PolicyCache } from '../../src/iam/principal-policies.js';
import { secretSealer } from '../../src/server/bootstrap.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { podIdentity } from '../../test/support/irsa-pod.js';
import { aws, type IrsaProcess } from '../../test/support/irsa-server.js';
import { startTestPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { repoRoot } from '../../test/support/shared.js';
import { formatInt, formatNs, percentile } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { build } from '../policy/simulate-e2e.js';
import { AWS_ENDPOINT_BANNER, haveWrk, parseExports, runWrk, runWrkScript, startChild, type Child, type WrkResult, type WrkSettings } from '../sts/procs.js';

const { values: opts } = parseArgs({
  strict: false,
  options: {
    quick: { type: 'boolean' },
    duration: { type: 'string' },
    roles: { type: 'string' },
    'no-build': { type: 'boolean' },
    'no-throughput': { type: 'boolean' },
    'no-latency': { type: 'boolean' },
  },
});
const quick = opts.quick === true;
const seconds = Number(opts.duration ?? (quick ? 3 : 10));
const roleCounts = String(opts.roles ?? (quick ? '1,1000,10000' : '1,1000,100000'))
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const out = (s = ''): void => void process.stdout.write(`${s}\n`);
const progress = (s: string): void => void process.stderr.write(`bench:scale: ${s}\n`);
const ACCOUNT = '123456789012';
const BUCKET = 'scale-bench';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'irsa-bench-scale-'));
  const started: Child[] = [];
  const pgOrSkip = await startTestPostgres();
  if ('skip' in pgOrSkip) throw new Error(`no PostgreSQL: ${pgOrSkip.skip}`);
  const pg: TestPostgres = pgOrSkip;
  try {
    out('## Scale-out benchmark: SQLite vs PostgreSQL, one and two replicas');
    out();
    out(`- date: ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; PostgreSQL: ${pg.how}`);
    out(`- command: \`npm run bench:scale${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``);
    if (!opts['no-throughput']) await throughput(work, pg, started);
    if (!opts['no-latency']) await latency(work, pg);
  } finally {
    for (const c of started) await c.stop();
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- 1. throughput --------------------------------------------------------------------------

interface Replica {
  readonly url: string;
  readonly proc: Child;
}

async function throughput(work: string, pg: TestPostgres, started: Child[]): Promise<void> {
  if (!haveWrk()) {
    out('- throughput: skipped (wrk is not installed: `apt-get install wrk`)');
    return;
  }
  if (!opts['no-build']) build();
  const settings: WrkSettings = { threads: 1, connections: 8, seconds };
  const rows: string[][] = [];
  const configs: { name: string; store: string | undefined; replicas: number }[] = [
    { name: 'SQLite, 1 process', store: undefined, replicas: 1 },
    { name: 'PostgreSQL, 1 replica', store: pg.url, replicas: 1 },
    { name: 'PostgreSQL, 2 replicas', store: pg.url, replicas: 2 },
  ];
  const dataKey = randomBytes(32).toString('base64');
  // A fresh database per PostgreSQL configuration would need CREATEDB; the bench instead uses one
  // installation for both PostgreSQL rows (the second adds a replica to it).
  let pgReplicas: Replica[] = [];
  for (const cfg of configs) {
    progress(`${cfg.name}: starting`);
    let replicas: Replica[];
    if (!cfg.store) {
      replicas = [await startReplica(join(work, 'sqlite'), undefined, dataKey, started)];
    } else {
      while (pgReplicas.length < cfg.replicas) pgReplicas.push(await startReplica(join(work, `pg-${pgReplicas.length}`), cfg.store, dataKey, started));
      replicas = pgReplicas.slice(0, cfg.replicas);
    }
    const first = replicas[0] as Replica;
    const adminEnv = envOf(first, cfg.store, dataKey, join(work, cfg.store ? 'pg-0' : 'sqlite'));
    const setup = await prepare(cfg.store ? 'postgres' : 'sqlite', first, adminEnv, work);
    const assume = await Promise.all(replicas.map((r) => runWrk(settings, r.url, setup.tokensFile, setup.roleArn)));
    const get = await Promise.all(replicas.map(async (r) => runWrkScript(settings, `${r.url}/${BUCKET}/small`, join('bench', 's3', 'request.lua'), [await headersFile(r.url, setup.creds, work)])));
    if (process.env['IRSA_BENCH_DEBUG']) for (const r of [...assume, ...get]) progress(`non2xx ${JSON.stringify(r.non2xxByThread)} errors ${JSON.stringify(r.errors)}`);
    const sum = (rs: WrkResult[]): number => rs.reduce((n, r) => n + r.perSecond, 0);
    const errs = (rs: WrkResult[]): number => rs.reduce((n, r) => n + r.non2xx + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout, 0);
    rows.push([
      cfg.name,
      assume.map((r) => formatInt(r.perSecond)).join(' + '),
      formatInt(sum(assume)),
      get.map((r) => formatInt(r.perSecond)).join(' + '),
      formatInt(sum(get)),
      formatNs(Math.max(...get.map((r) => r.latency.p99)) * 1000),
      String(errs(assume) + errs(get)),
    ]);
  }
  out(`- load: wrk -t${settings.threads} -c${settings.connections} -d${settings.seconds}s per replica, all replicas at once; AssumeRoleWithWebIdentity with a cluster token (bench/sts/assume.lua), GetObject of 4 KiB signed with the session (bench/s3/request.lua)`);
  out();
  out(markdownTable(['configuration', 'AssumeRoleWithWebIdentity req/s (per replica)', 'total', 'GetObject req/s (per replica)', 'total', 'GetObject p99 (worst replica)', 'errors'], rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right']));
  out();
}

async function startReplica(dataDir: string, store: string | undefined, dataKey: string, started: Child[]): Promise<Replica> {
  const args = [join('bin', 'irsa.js'), 'up', '--data-dir', dataDir, '--port', '0', '--oidc-port', '0', '--kube-port', '0', '--quiet', ...(store ? ['--store', store] : [])];
  const { proc, match } = await startChild('irsa-local', process.execPath, args, AWS_ENDPOINT_BANNER, { env: { ...process.env, ...(store ? { IRSA_DATA_KEY: dataKey } : {}) } });
  started.push(proc);
  return { url: match[1] as string, proc };
}

function envOf(r: Replica, store: string | undefined, dataKey: string, dataDir: string): Record<string, string> {
  const res = spawnSync(process.execPath, [join('bin', 'irsa.js'), 'env', '--data-dir', dataDir, ...(store ? ['--store', store] : [])], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, IRSA_DATA_KEY: dataKey } });
  if (res.status !== 0) throw new Error(`irsa env failed: ${res.stderr}`);
  return { ...parseExports(res.stdout), AWS_ENDPOINT_URL: r.url };
}

const prepared = new Map<string, { tokensFile: string; roleArn: string; creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }>();

/** A bucket with the object, the OIDC provider and a pod role; once per installation (the PostgreSQL rows share one). */
async function prepare(installation: string, r: Replica, env: Record<string, string>, work: string): Promise<{ tokensFile: string; roleArn: string; creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }> {
  const hit = prepared.get(installation);
  if (hit) return hit;
  const ok = (args: string[]): string => {
    const res = aws(args, env, work);
    if (res.status !== 0) throw new Error(`aws ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  const body = join(work, 'small.bin');
  writeFileSync(body, randomBytes(4096));
  ok(['s3api', 'create-bucket', '--bucket', BUCKET]);
  ok(['s3api', 'put-object', '--bucket', BUCKET, '--key', 'small', '--body', body]);
  const issuer = ok(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text']).trim();
  ok(['iam', 'create-open-id-connect-provider', '--url', issuer, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', '0000000000000000000000000000000000000000']);
  const srvLike = { url: r.url, dataDir: work, env } as unknown as IrsaProcess;
  const pod = await podIdentity(srvLike, { roleName: 'scale-reader', namespace: 'bench', serviceAccount: 'reader', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] } });
  const creds = await pod.credentials();
  const value = { tokensFile: pod.tokenFile, roleArn: pod.roleArn, creds };
  prepared.set(installation, value);
  return value;
}

async function headersFile(base: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, work: string): Promise<string> {
  const u = new URL(base);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: creds, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: `/${BUCKET}/small`, query: {}, headers: { host: u.host, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
  const file = join(work, `headers-${u.port}.txt`);
  writeFileSync(file, Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`).join('\n'));
  return file;
}

// ---- 2. decision latency vs roles in the store ------------------------------------------------

async function latency(work: string, pg: TestPostgres): Promise<void> {
  const rows: string[][] = [];
  for (const backend of ['sqlite', 'postgres'] as const) {
    for (const n of roleCounts) {
      const store: Store = backend === 'sqlite' ? openSqliteStore(join(work, `roles-${n}.db`)) : await openPostgresStore(pg.url);
      const prefix = `${backend}-${n}-`;
      try {
        progress(`${backend}: ${formatInt(n)} roles`);
        await fill(store, prefix, n);
        const env: IamEnv = { store, now: () => new Date(), random: (k) => randomBytes(k), partition: 'aws', sealer: secretSealer(randomBytes(32)), cacheTtlMs: Number.POSITIVE_INFINITY, generation: 0 };
        const authorizer = new Authorizer(env, new PolicyCache(env));
        const samples = Math.min(n, 500);
        const pick = Array.from({ length: samples }, (_, i) => Math.floor((i * 7919) % n));
        const ask = async (i: number): Promise<number> => {
          const name = `${prefix}${i}`;
          const caller: Caller = { kind: 'session', account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/s`, roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`, roleName: name, roleId: `AROA${String(i).padStart(17, '0')}`, sessionName: 's', accessKeyId: 'ASIAEXAMPLE', sessionPolicies: undefined, tags: [], issuedAt: new Date(), federatedProvider: undefined, sourceIdentity: undefined, chained: false };
          const t0 = process.hrtime.bigint();
          const d = await authorizer.authorize(caller, 's3:GetObject', `arn:aws:s3:::bucket-${i}/k`, {});
          const ns = Number(process.hrtime.bigint() - t0);
          if (d.decision.decision !== 'allowed') throw new Error(`role ${name}: ${d.decision.decision}`);
          return ns;
        };
        const cold: number[] = [];
        for (const i of pick) cold.push(await ask(i));
        const warm: number[] = [];
        for (let round = 0; round < 4; round++) for (const i of pick) warm.push(await ask(i));
        cold.sort((x, y) => x - y);
        warm.sort((x, y) => x - y);
        rows.push([backend === 'sqlite' ? 'SQLite' : 'PostgreSQL', formatInt(n), formatNs(percentile(cold, 50)), formatNs(percentile(cold, 99)), formatNs(percentile(warm, 50)), formatNs(percentile(warm, 99))]);
      } finally {
        await store.close();
      }
    }
  }
  out('### Decision latency as the store grows');
  out();
  out('Authorizing `s3:GetObject` for a session of a random role, through the server\'s PolicyCache and Authorizer (src/iam): cold = first request for that role (reads the role and its policy from the store, compiles it), warm = the compiled policies cached. Each role has one inline policy naming its own bucket.');
  out();
  out(markdownTable(['store', 'roles', 'cold p50', 'cold p99', 'warm p50', 'warm p99'], rows, ['left', 'right', 'right', 'right', 'right', 'right']));
}

/** N roles, each with one inline policy, written in batches straight into the store as IAM writes them. */
async function fill(store: Store, prefix: string, n: number): Promise<void> {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const now = new Date().toISOString();
  for (let start = 0; start < n; start += 1000) {
    await store.tx(async (t) => {
      for (let i = start; i < Math.min(n, start + 1000); i++) {
        const name = `${prefix}${i}`;
        await t.put(K.role, ACCOUNT, name, { roleName: name, roleId: `AROA${String(i).padStart(17, '0')}`, path: '/', arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, createDate: now, assumeRolePolicyDocument: trust, maxSessionDuration: 3600, tags: [] });
        await t.put(K.inline, entityScope('role', ACCOUNT, name), 'own-bucket', { policyName: 'own-bucket', document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}/*` }] }) });
      }
    });
  }
}

await main();
