/**
 * S3 benchmark: authorized GetObject of a 4 KiB object under load — SigV4 with a session token
 * obtained through IRSA, policy evaluation, the object read from disk — irsa-local against
 * moto_server (which checks neither signature nor policy), with a trivial Node HTTP server as the
 * machine's ceiling; then PutObject and GetObject of 64 MiB: throughput and the server's peak
 * memory. Prints markdown tables.
 *
 *   npm run bench:s3 [-- --quick] [--duration S] [--warmup S] [--rounds N] [--connections N]
 *                    [--threads N] [--big-mib N] [--no-build] [--no-peer] [--no-ceiling] [--pin]
 *
 * Every server is its own process: irsa-local from dist/ (`node bin/irsa.js up`), `moto_server`,
 * and `node -e` for the ceiling. The load is `wrk` with bench/s3/request.lua replaying one signed
 * GET (what S3 accepts within the 15-minute skew window; re-signed before every run), the same
 * settings for every server, measured in interleaved rounds.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { podIdentity } from '../../test/support/irsa-pod.js';
import { aws, type IrsaProcess } from '../../test/support/irsa-server.js';
import { repoRoot } from '../../test/support/shared.js';
import { formatInt, formatNs, formatRatio } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { build } from '../policy/simulate-e2e.js';
import { AWS_ENDPOINT_BANNER, freePort, haveWrk, parseExports, pinCpus, runWrkScript, startChild, TRIVIAL_SERVER, waitForHttp, type Child, type WrkResult, type WrkSettings } from '../sts/procs.js';

const OPTIONS = {
  quick: { type: 'boolean' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  rounds: { type: 'string' },
  connections: { type: 'string' },
  threads: { type: 'string' },
  'big-mib': { type: 'string' },
  'no-build': { type: 'boolean' },
  'no-peer': { type: 'boolean' },
  'no-ceiling': { type: 'boolean' },
  pin: { type: 'boolean' },
} as const;
const { values: opts, tokens: parsed } = parseArgs({ strict: false, tokens: true, options: OPTIONS });
const out = (s = ''): void => void process.stdout.write(`${s}\n`);
const progress = (s: string): void => void process.stderr.write(`bench:s3: ${s}\n`);
for (const t of parsed ?? []) if (t.kind === 'option' && !(t.name in OPTIONS)) progress(`ignoring --${t.name}`);

const quick = opts.quick === true;
const num = (v: unknown, d: number): number => {
  if (typeof v !== 'string') return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v}`);
  return n;
};
const settings: WrkSettings = { threads: num(opts.threads, 2), connections: num(opts.connections, 16), seconds: num(opts.duration, quick ? 3 : 10) };
const warmupSeconds = num(opts.warmup, quick ? 1 : 3);
const rounds = num(opts.rounds, quick ? 1 : 3);
const bigMiB = num(opts['big-mib'], 64);
const bigReps = quick ? 1 : 3;
const cpuCount = availableParallelism();
const loadCpus = cpuCount === 2 ? '1' : `1-${cpuCount - 1}`;
if (opts.pin) {
  if (cpuCount < 2) throw new Error('--pin needs at least 2 CPUs');
  pinCpus({ server: '0', load: loadCpus });
}
if (!haveWrk()) {
  process.stderr.write('bench:s3: `wrk` was not found. Install it (Debian/Ubuntu: `apt-get install wrk`) and run again.\n');
  process.exit(2);
}

const BUCKET = 'bench-bucket';
const SMALL_KEY = 'objects/small-4k.bin';
const BIG_KEY = 'objects/big.bin';
const REGION = 'us-east-1';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** SigV4 headers for one S3 request, as the SDKs sign it (path-style, raw path). */
async function sign(base: string, method: string, path: string, creds: Credentials, extra: Record<string, string> = {}, payloadHash = EMPTY_SHA256): Promise<Record<string, string>> {
  const u = new URL(base);
  const signer = new SignatureV4({ service: 's3', region: REGION, credentials: creds, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path,
    query: {},
    headers: { host: u.host, 'x-amz-content-sha256': payloadHash, ...extra },
  });
  return signed.headers as Record<string, string>;
}

function headersFile(path: string, headers: Record<string, string>): void {
  writeFileSync(path, `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
}

interface Reply {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Record<string, string | string[] | undefined>;
}

function send(base: string, method: string, path: string, headers: Record<string, string>, body?: { size: number; chunk: Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers: body ? { ...headers, 'content-length': String(body.size) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      let keep = true;
      res.on('data', (c: Buffer) => {
        // Big downloads are counted, not kept.
        if (keep) chunks.push(c);
        if (chunks.length > 64) keep = false;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) return void req.end();
    let left = body.size;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, body.chunk.length);
        left -= n;
        if (!req.write(n === body.chunk.length ? body.chunk : body.chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Peak resident memory (VmHWM) of a process and its descendants, in bytes (Linux). */
function peakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let peak = 0;
  const visit = (p: number): void => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
      if (kb) peak = Math.max(peak, Number(kb) * 1024);
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(c));
    } catch {
      // gone, or not Linux
    }
  };
  visit(pid);
  return peak || undefined;
}

/** CPU seconds (user + system) a process and its descendants have used, from /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let total = 0;
  let found = false;
  const visit = (p: number): void => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / 100;
      found = true;
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(c));
    } catch {
      // gone
    }
  };
  visit(pid);
  return found ? total : undefined;
}

interface Measured {
  readonly result: WrkResult;
  readonly cores: number | undefined;
}

interface Target {
  readonly name: string;
  readonly what: string;
  readonly url: string;
  readonly pid: number | undefined;
  /** Signed headers for GET of the small object, fresh for each run. */
  readonly headers: () => Promise<Record<string, string>>;
  readonly creds: Credentials | undefined;
  readonly runs: Measured[];
  big?: { putMBs: number[]; getMBs: number[]; peakBefore: number | undefined; peakAfter: number | undefined };
}

const work = mkdtempSync(join(tmpdir(), 'irsa-bench-s3-'));
const started: Child[] = [];
const cleanup = async (): Promise<void> => {
  for (const c of started.reverse()) await c.stop();
  rmSync(work, { recursive: true, force: true });
};

async function measure(t: Target, seconds: number): Promise<Measured> {
  const file = join(work, `headers-${t.name.replace(/\W+/g, '-')}`);
  headersFile(file, await t.headers());
  const c0 = cpuSeconds(t.pid);
  const result = await runWrkScript({ ...settings, seconds }, `${t.url}/${BUCKET}/${SMALL_KEY}`, join('bench', 's3', 'request.lua'), [file]);
  const c1 = cpuSeconds(t.pid);
  return { result, cores: c0 !== undefined && c1 !== undefined ? (c1 - c0) / result.seconds : undefined };
}

/** PUT then GET of `bigMiB` MiB, streamed from and to this process; MB/s and the server's peak RSS. */
async function big(t: Target): Promise<NonNullable<Target['big']>> {
  if (!t.creds) throw new Error(`${t.name}: no credentials`);
  const size = bigMiB * 1024 * 1024;
  const chunk = randomBytes(1024 * 1024);
  const r: NonNullable<Target['big']> = { putMBs: [], getMBs: [], peakBefore: peakRss(t.pid), peakAfter: undefined };
  for (let i = 0; i < bigReps; i++) {
    const put = await sign(t.url, 'PUT', `/${BUCKET}/${BIG_KEY}`, t.creds, { 'content-length': String(size) }, 'UNSIGNED-PAYLOAD');
    const t0 = process.hrtime.bigint();
    const p = await send(t.url, 'PUT', `/${BUCKET}/${BIG_KEY}`, put, { size, chunk });
    const t1 = process.hrtime.bigint();
    if (p.status !== 200) throw new Error(`${t.name}: PUT ${bigMiB} MiB answered ${p.status}: ${p.body.toString().slice(0, 500)}`);
    r.putMBs.push(size / 1e6 / (Number(t1 - t0) / 1e9));
    const get = await sign(t.url, 'GET', `/${BUCKET}/${BIG_KEY}`, t.creds);
    let received = 0;
    const t2 = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const u = new URL(t.url);
      const req = httpRequest({ host: u.hostname, port: u.port, method: 'GET', path: `/${BUCKET}/${BIG_KEY}`, headers: get }, (res) => {
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${t.name}: GET big answered ${String(res.statusCode)}`))));
      });
      req.on('error', reject);
      req.end();
    });
    const t3 = process.hrtime.bigint();
    if (received !== size) throw new Error(`${t.name}: GET big returned ${received} bytes, not ${size}`);
    r.getMBs.push(size / 1e6 / (Number(t3 - t2) / 1e9));
  }
  r.peakAfter = peakRss(t.pid);
  return r;
}

function machine(): string {
  let nproc = String(cpuCount);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // not on every system
  }
  return `\`nproc\` ${nproc}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version} (${process.platform}-${process.arch})`;
}

function admin(env: Record<string, string>, args: string[]): string {
  const r = aws(args, env, work);
  if (r.status !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const targets: Target[] = [];
const notes: string[] = [];
let buildNote = '';

try {
  if (!opts['no-build']) {
    progress('npm run build');
    const b = build();
    if (!b.ok) throw new Error(b.note);
    buildNote = b.note;
  } else buildNote = 'existing dist/ (--no-build)';
  if (!existsSync(join(repoRoot, 'dist', 'server', 'app.js'))) throw new Error('dist/ is missing or stale: run `npm run build`');

  // ---- irsa-local, a bucket with the 4 KiB object, a pod's role allowed to read it
  progress('starting irsa-local (node bin/irsa.js up)');
  const dataDir = join(work, 'irsa-data');
  // IRSA_BENCH_NODE_FLAGS: extra node flags for irsa-local (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
  const nodeFlags = (process.env['IRSA_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const { proc, match } = await startChild('irsa-local', process.execPath, [...nodeFlags, join('bin', 'irsa.js'), 'up', '--data-dir', dataDir, '--port', '0', '--oidc-port', '0', '--kube-port', '0', '--quiet'], AWS_ENDPOINT_BANNER);
  started.push(proc);
  const url = match[1] as string;
  const envOut = spawnSync(process.execPath, [join('bin', 'irsa.js'), 'env', '--data-dir', dataDir], { cwd: repoRoot, encoding: 'utf8' });
  if (envOut.status !== 0) throw new Error(`irsa env failed: ${envOut.stderr}`);
  const adminEnv = parseExports(envOut.stdout);
  const small = join(work, 'small.bin');
  writeFileSync(small, randomBytes(4096));
  progress('bucket, object and the pod role (aws CLI, kubectl)');
  admin(adminEnv, ['s3api', 'create-bucket', '--bucket', BUCKET]);
  admin(adminEnv, ['s3api', 'put-object', '--bucket', BUCKET, '--key', SMALL_KEY, '--body', small]);
  const srvLike = { url, dataDir, env: adminEnv } as unknown as IrsaProcess;
  const reader = await podIdentity(srvLike, {
    roleName: 'bench-reader',
    namespace: 'bench',
    serviceAccount: 'reader',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/*` }] },
  });
  const stranger = await podIdentity(srvLike, {
    roleName: 'bench-stranger',
    namespace: 'bench',
    serviceAccount: 'stranger',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::another-bucket/*' }] },
  });
  const creds = await reader.credentials();
  const strangerCreds = await stranger.credentials();

  // Before measuring: the reader gets the bytes; a stranger and a forged signature do not.
  const ok = await send(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, await sign(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, creds));
  if (ok.status !== 200 || !ok.body.equals(readFileSync(small))) throw new Error(`irsa-local GetObject: ${ok.status} ${ok.body.toString().slice(0, 300)}`);
  const denied = await send(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, await sign(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, strangerCreds));
  const deniedCode = /<Code>([^<]+)<\/Code>/.exec(denied.body.toString())?.[1];
  if (denied.status !== 403 || deniedCode !== 'AccessDenied') throw new Error(`irsa-local let a stranger read: ${denied.status} ${denied.body.toString().slice(0, 300)}`);
  const forged = await sign(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, { ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}x` });
  const bad = await send(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, forged);
  if (bad.status !== 403) throw new Error(`irsa-local accepted a forged signature: ${bad.status}`);
  notes.push(
    `irsa-local, checked before measuring: the pod role's session (\`ASIA…\` + token from AssumeRoleWithWebIdentity) → 200 with the object's bytes; another role's session → 403 AccessDenied ("${/<Message>([^<]*)<\/Message>/.exec(denied.body.toString())?.[1] ?? ''}"); a signature made with a wrong secret → 403 ${/<Code>([^<]+)<\/Code>/.exec(bad.body.toString())?.[1] ?? ''}.`,
  );
  targets.push({ name: 'irsa-local', what: 'SigV4 + session token + policy evaluation, object from disk', url, pid: proc.child.pid, headers: () => sign(url, 'GET', `/${BUCKET}/${SMALL_KEY}`, creds), creds, runs: [] });

  // ---- moto_server
  if (!opts['no-peer']) {
    const port = await freePort();
    progress(`starting moto_server -p ${port}`);
    const { proc: moto } = await startChild('moto_server', 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], /Running on|Serving/, { timeoutMs: 60_000 });
    started.push(moto);
    const motoUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${motoUrl}/moto-api/`, 30_000);
    const motoEnv = { AWS_ENDPOINT_URL: motoUrl, AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    admin(motoEnv, ['s3api', 'create-bucket', '--bucket', BUCKET]);
    admin(motoEnv, ['s3api', 'put-object', '--bucket', BUCKET, '--key', SMALL_KEY, '--body', small]);
    const motoCreds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const m = await send(motoUrl, 'GET', `/${BUCKET}/${SMALL_KEY}`, await sign(motoUrl, 'GET', `/${BUCKET}/${SMALL_KEY}`, motoCreds));
    if (m.status !== 200 || !m.body.equals(readFileSync(small))) throw new Error(`moto GetObject: ${m.status}`);
    const mf = await send(motoUrl, 'GET', `/${BUCKET}/${SMALL_KEY}`, await sign(motoUrl, 'GET', `/${BUCKET}/${SMALL_KEY}`, { ...motoCreds, secretAccessKey: 'wrong' }));
    notes.push(`moto_server, checked before measuring: 200 with the bytes; a signature made with a wrong secret → ${mf.status} (moto does not check signatures or policies by default).`);
    targets.push({ name: 'moto_server', what: 'returns the object; checks nothing', url: motoUrl, pid: moto.child.pid, headers: () => sign(motoUrl, 'GET', `/${BUCKET}/${SMALL_KEY}`, motoCreds), creds: motoCreds, runs: [] });
  }

  if (!opts['no-ceiling']) {
    const { proc: trivial, match: m } = await startChild('trivial server', process.execPath, ['-e', TRIVIAL_SERVER], /listening on (\d+)/);
    started.push(trivial);
    const tu = `http://127.0.0.1:${m[1]}`;
    targets.push({ name: 'Node `http` ceiling', what: 'answers 200 "ok", nothing else', url: tu, pid: trivial.child.pid, headers: async () => ({ host: new URL(tu).host }), creds: undefined, runs: [] });
  }

  for (const t of targets) {
    progress(`${t.name}: warm-up ${warmupSeconds} s`);
    await measure(t, warmupSeconds);
  }
  for (let r = 1; r <= rounds; r++) {
    for (const t of targets) {
      progress(`round ${r}/${rounds}: ${t.name}: wrk -t${settings.threads} -c${settings.connections} -d${settings.seconds}s --latency`);
      t.runs.push(await measure(t, settings.seconds));
    }
  }
  for (const t of targets) {
    if (!t.creds) continue;
    progress(`${t.name}: PUT and GET of ${bigMiB} MiB × ${bigReps}`);
    t.big = await big(t);
  }
} finally {
  await cleanup();
}

// ---- report
const fmtUs = (us: number): string => formatNs(us * 1000);
const mib = (b: number | undefined): string => (b === undefined ? '—' : `${(b / 1048576).toFixed(0)} MiB`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const medianRun = (t: Target): Measured => [...t.runs].sort((a, b) => a.result.perSecond - b.result.perSecond)[Math.floor((t.runs.length - 1) / 2)] as Measured;
const irsa = targets.find((t) => t.name === 'irsa-local');
const moto = targets.find((t) => t.name === 'moto_server');
const ceiling = targets.find((t) => t.name.includes('ceiling'));
const motoRate = moto ? medianRun(moto).result.perSecond : undefined;
const command = `npm run bench:s3${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

out('## S3 benchmark: authorized GetObject (4 KiB) under load, and 64 MiB transfers');
out();
out(`- date: ${new Date().toISOString().slice(0, 10)}`);
out(`- machine: ${machine()}`);
out(`- command: \`${command}\``);
out(
  `- load: \`wrk -t${settings.threads} -c${settings.connections} -d${settings.seconds}s --latency -s bench/s3/request.lua URL -- HEADERS\`: one SigV4-signed path-style GET replayed, the same for every server, on the same machine; ${warmupSeconds} s warm-up each, then ${rounds} interleaved round${rounds === 1 ? '' : 's'}${opts.pin ? `; pinned: servers \`taskset -c 0\`, wrk \`taskset -c ${loadCpus}\`` : ''}`,
);
out(`- irsa-local: \`node bin/irsa.js up\` from dist/ (${buildNote}), SQLite store, objects under the data directory; credentials from AssumeRoleWithWebIdentity with a token from the cluster's API (\`kubectl create token\`)`);
out(`- peer: \`moto_server -H 127.0.0.1 -p <port>\`${opts['no-peer'] ? ' (skipped: --no-peer)' : ''}`);
out();
out(
  markdownTable(
    ['server', 'per request', 'requests/s', rounds === 1 ? 'range' : `range (${rounds} rounds)`, 'p50', 'p99', 'server CPU (cores)', 'requests', 'non-2xx', 'socket errors', 'vs moto'],
    targets.map((t) => {
      const m = medianRun(t);
      const rates = t.runs.map((x) => x.result.perSecond);
      return [
        t.name,
        t.what,
        formatInt(m.result.perSecond),
        rates.length > 1 ? `${formatInt(Math.min(...rates))}–${formatInt(Math.max(...rates))}` : '—',
        fmtUs(m.result.latency.p50),
        fmtUs(m.result.latency.p99),
        m.cores === undefined ? '—' : m.cores.toFixed(2),
        formatInt(t.runs.reduce((n, x) => n + x.result.requests, 0)),
        formatInt(t.runs.reduce((n, x) => n + x.result.non2xx, 0)),
        formatInt(t.runs.reduce((n, x) => n + x.result.errors.connect + x.result.errors.read + x.result.errors.write + x.result.errors.timeout, 0)),
        motoRate ? formatRatio(m.result.perSecond / motoRate) : '—',
      ];
    }),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  ),
);
out();
if (irsa && motoRate) {
  const ratio = medianRun(irsa).result.perSecond / motoRate;
  out(`- Target irsa-local ≥ 20× moto's GetObject throughput: ${formatRatio(ratio)} — ${ratio >= 20 ? 'met' : 'NOT met'}.`);
}
if (irsa && ceiling) out(`- irsa-local reaches ${((medianRun(irsa).result.perSecond / medianRun(ceiling).result.perSecond) * 100).toFixed(0)} % of the Node \`http\` ceiling on this machine.`);
for (const n of notes) out(`- ${n}`);
out();
out(`### ${bigMiB} MiB PutObject and GetObject (streamed by a Node client, UNSIGNED-PAYLOAD, ${bigReps} each, median)`);
out();
out(
  markdownTable(
    ['server', 'PUT MB/s', 'GET MB/s', 'peak RSS before', 'peak RSS after', 'growth'],
    targets
      .filter((t) => t.big)
      .map((t) => {
        const b = t.big as NonNullable<Target['big']>;
        return [t.name, median(b.putMBs).toFixed(0), median(b.getMBs).toFixed(0), mib(b.peakBefore), mib(b.peakAfter), b.peakBefore !== undefined && b.peakAfter !== undefined ? mib(b.peakAfter - b.peakBefore) : '—'];
      }),
    ['left', 'right', 'right', 'right', 'right', 'right'],
  ),
);
out();
out('Peak RSS is the process tree\'s VmHWM (high-water mark) from /proc: "before" after the GetObject load, "after" once the big transfers are done. A server that streams does not grow with the object size.');
