/**
 * STS benchmark: AssumeRoleWithWebIdentity over HTTP under load, irsa-local against moto_server,
 * with a trivial Node HTTP server as the machine's ceiling. Prints markdown tables.
 *
 *   npm run bench:sts [-- --quick] [--duration S] [--warmup S] [--rounds N] [--connections N]
 *                     [--threads N] [--tokens N] [--no-build] [--no-peer] [--no-ceiling]
 *                     [--pin] [--profile] [--update-docs]
 *
 * Every server is a separate process: irsa-local from dist/ (`node bin/irsa.js up`, built first),
 * the HTTPS OIDC issuer (bench/sts/idp-process.ts), `moto_server`, and `node -e` for the ceiling.
 * The load is `wrk` with bench/sts/assume.lua, the same settings for every server. All servers
 * are started and checked first, warmed up, then measured in interleaved rounds (irsa-local,
 * moto, ceiling, irsa-local, …) so that drift on a shared machine hits them alike; the table
 * shows each server's median round.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aws } from '../../test/support/irsa-server.js';
import { repoRoot } from '../../test/support/shared.js';
import { build } from '../policy/simulate-e2e.js';
import { formatInt, formatNs, formatRatio } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { AWS_ENDPOINT_BANNER, freePort, haveWrk, parseExports, pinCpus, runWrk, startChild, startIssuer, TRIVIAL_SERVER, waitForHttp, type Child, type WrkResult, type WrkSettings } from './procs.js';
import { summarizeProfile } from './profile-summary.js';

const OPTIONS = {
  quick: { type: 'boolean' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  rounds: { type: 'string' },
  connections: { type: 'string' },
  threads: { type: 'string' },
  tokens: { type: 'string' },
  'no-build': { type: 'boolean' },
  'no-peer': { type: 'boolean' },
  'no-ceiling': { type: 'boolean' },
  pin: { type: 'boolean' },
  profile: { type: 'boolean' },
  'update-docs': { type: 'boolean' },
} as const;
const { values: opts, tokens: parsed } = parseArgs({ strict: false, tokens: true, options: OPTIONS });

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const progress = (s: string): void => {
  process.stderr.write(`bench:sts: ${s}\n`);
};
// `npm run bench -- …` passes the same arguments to every benchmark: ignore the others' options.
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
const tokenCount = num(opts.tokens, 4);
const SA = 'system:serviceaccount:bench:bench-sa';
const SESSION = 'bench-session';
const cpuCount = availableParallelism();
const loadCpus = cpuCount === 2 ? '1' : `1-${cpuCount - 1}`;
if (opts.pin) {
  if (cpuCount < 2) throw new Error('--pin needs at least 2 CPUs');
  pinCpus({ server: '0', load: loadCpus });
}

if (!haveWrk()) {
  process.stderr.write('bench:sts: `wrk` was not found. Install it (Debian/Ubuntu: `apt-get install wrk`) and run again.\n');
  process.exit(2);
}

function machine(): string {
  let nproc = String(cpuCount);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // not on every system
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `\`nproc\` ${nproc}, ${cpu}, Node ${process.version} (${process.platform}-${process.arch})`;
}

function wrkVersion(): string {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return (/wrk \S+/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? 'wrk').trim();
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux only). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

interface Measured {
  readonly result: WrkResult;
  /** Server CPU use during the run, in cores (1.0 = one core busy). */
  readonly cores: number | undefined;
}

/** A server under test: where it listens and what to send it. */
interface Target {
  readonly name: string;
  readonly what: string;
  readonly url: string;
  readonly pid: number | undefined;
  readonly tokensFile: string;
  readonly roleArn: string;
  readonly runs: Measured[];
}

async function measure(t: Target, seconds: number): Promise<Measured> {
  const c0 = cpuSeconds(t.pid);
  const result = await runWrk({ ...settings, seconds }, t.url, t.tokensFile, t.roleArn);
  const c1 = cpuSeconds(t.pid);
  return { result, cores: c0 !== undefined && c1 !== undefined ? (c1 - c0) / result.seconds : undefined };
}

async function exchange(url: string, roleArn: string, token: string): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: SESSION, WebIdentityToken: token });
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: body.toString() });
  return { status: r.status, text: await r.text() };
}

function admin(env: Record<string, string>, args: string[]): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = aws(args, env);
  if (r.status !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
}

function trustPolicy(providerArn: string, host: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: SA } },
      },
    ],
  });
}

const work = mkdtempSync(join(tmpdir(), 'irsa-bench-sts-'));
const started: Child[] = [];
const cleanup = async (): Promise<void> => {
  for (const c of started.reverse()) await c.stop();
  rmSync(work, { recursive: true, force: true });
};

async function startIrsa(dataDir: string, nodeFlags: string[] = []): Promise<{ proc: Child; url: string }> {
  // IRSA_BENCH_NODE_FLAGS: extra node flags for irsa-local (e.g. --perf-basic-prof for `perf record`).
  const extra = (process.env['IRSA_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const { proc, match } = await startChild('irsa-local', process.execPath, [...extra, ...nodeFlags, join('bin', 'irsa.js'), 'up', '--data-dir', dataDir, '--port', '0', '--oidc-port', '0', '--kube-port', '0', '--quiet'], AWS_ENDPOINT_BANNER);
  started.push(proc);
  return { proc, url: match[1] as string };
}

const targets: Target[] = [];
const notes: string[] = [];
let buildNote = '';
let profileText: string[] = [];
let idpCounts: Record<string, number> = {};

try {
  // ---- build
  if (!opts['no-build']) {
    progress('npm run build');
    const b = build();
    if (!b.ok) throw new Error(b.note);
    buildNote = b.note;
  } else buildNote = 'existing dist/ (--no-build)';
  if (!existsSync(join(repoRoot, 'dist', 'server', 'app.js'))) throw new Error('dist/ is missing or stale: run `npm run build`');

  // ---- the OIDC issuer, in its own process
  progress('starting the OIDC issuer');
  const issuer = await startIssuer(tokenCount, 3 * 3600, SA);
  started.push(issuer.proc);
  const tokensFile = join(work, 'tokens');
  writeFileSync(tokensFile, `${issuer.info.tokens.join('\n')}\n`);
  const t0 = issuer.info.tokens[0] as string;
  const tampered = `${t0.slice(0, -4)}${t0.slice(-4, -3) === 'A' ? 'B' : 'A'}${t0.slice(-3)}`;

  // ---- irsa-local from dist/
  progress('starting irsa-local (node bin/irsa.js up)');
  const dataDir = join(work, 'irsa-data');
  const srv = await startIrsa(dataDir);
  const envOut = spawnSync(process.execPath, [join('bin', 'irsa.js'), 'env', '--data-dir', dataDir], { cwd: repoRoot, encoding: 'utf8' });
  if (envOut.status !== 0) throw new Error(`irsa env failed: ${envOut.stderr}`);
  const irsaEnv = parseExports(envOut.stdout);
  progress('registering the OIDC provider and the role (aws CLI)');
  admin(irsaEnv, ['sts', 'get-caller-identity']);
  const providerArn = admin(irsaEnv, ['iam', 'create-open-id-connect-provider', '--url', issuer.info.issuer, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', issuer.info.thumbprint])['OpenIDConnectProviderArn'] as string;
  const roleArn = admin(irsaEnv, ['iam', 'create-role', '--role-name', 'bench-pod-role', '--assume-role-policy-document', trustPolicy(providerArn, issuer.info.host)])['Role']['Arn'] as string;
  // Before measuring: every token is exchanged for credentials, and a tampered one is refused.
  for (const t of issuer.info.tokens) {
    const r = await exchange(`${srv.url}/`, roleArn, t);
    if (r.status !== 200 || !/<AccessKeyId>ASIA[A-Z2-7]{16}<\/AccessKeyId>/.test(r.text) || !r.text.includes(`<SubjectFromWebIdentityToken>${SA}</SubjectFromWebIdentityToken>`)) {
      throw new Error(`irsa-local did not answer 200 with credentials:\n${r.status} ${r.text}\n${srv.proc.output()}`);
    }
  }
  const bad = await exchange(`${srv.url}/`, roleArn, tampered);
  if (bad.status !== 400 || !bad.text.includes('<Code>InvalidIdentityToken</Code>')) throw new Error(`irsa-local accepted a tampered token: ${bad.status} ${bad.text}`);
  notes.push(`irsa-local, checked before measuring: each of the ${issuer.info.tokens.length} tokens → 200 with \`ASIA…\` credentials for \`${SA}\`; the same token with an altered signature → 400 InvalidIdentityToken.`);
  targets.push({
    name: 'irsa-local',
    what: 'full validation (below), seals a session',
    url: `${srv.url}/`,
    pid: srv.proc.child.pid,
    tokensFile,
    roleArn,
    runs: [],
  });

  // ---- moto_server
  if (!opts['no-peer']) {
    const port = await freePort();
    progress(`starting moto_server -p ${port}`);
    const { proc } = await startChild('moto_server', 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], /Running on|Serving/, { timeoutMs: 60_000 });
    started.push(proc);
    const motoUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${motoUrl}/moto-api/`, 30_000);
    const motoEnv = { AWS_ENDPOINT_URL: motoUrl, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    progress('moto_server: the same OIDC provider and role (aws CLI)');
    const motoProvider = admin(motoEnv, ['iam', 'create-open-id-connect-provider', '--url', issuer.info.issuer, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', issuer.info.thumbprint])['OpenIDConnectProviderArn'] as string;
    const motoRole = admin(motoEnv, ['iam', 'create-role', '--role-name', 'bench-pod-role', '--assume-role-policy-document', trustPolicy(motoProvider, issuer.info.host)])['Role']['Arn'] as string;
    const r = await exchange(`${motoUrl}/`, motoRole, t0);
    if (r.status !== 200 || !/<AccessKeyId>/.test(r.text)) throw new Error(`moto_server did not answer 200 with credentials:\n${r.status} ${r.text}`);
    const rb = await exchange(`${motoUrl}/`, motoRole, tampered);
    const rj = await exchange(`${motoUrl}/`, motoRole, 'not-a-jwt');
    notes.push(`moto_server, checked before measuring: 200 with credentials; the tampered token → ${rb.status}, \`not-a-jwt\` → ${rj.status} (moto checks neither signature nor format).`);
    targets.push({ name: 'moto_server', what: 'returns credentials; validates nothing', url: `${motoUrl}/`, pid: proc.child.pid, tokensFile, roleArn: motoRole, runs: [] });
  }

  // ---- the machine's ceiling: a Node http server that answers "ok"
  if (!opts['no-ceiling']) {
    const { proc, match } = await startChild('trivial server', process.execPath, ['-e', TRIVIAL_SERVER], /listening on (\d+)/);
    started.push(proc);
    targets.push({ name: 'Node `http` ceiling', what: 'answers 200 "ok", nothing else', url: `http://127.0.0.1:${match[1]}/`, pid: proc.child.pid, tokensFile, roleArn, runs: [] });
  }

  // ---- warm-up, then interleaved rounds
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
  for (const c of started.slice(1)) await c.stop();

  // ---- profile: the same load on irsa-local restarted under --cpu-prof
  if (opts.profile) {
    const profDir = join(work, 'cpuprofile');
    progress(`profile: irsa-local under --cpu-prof (${profDir})`);
    const p = await startIrsa(dataDir, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    const r = await exchange(`${p.url}/`, roleArn, t0);
    if (r.status !== 200) throw new Error(`irsa-local (profiled) answered ${r.status}: ${r.text}`);
    const t: Target = { name: 'irsa-local (profiled)', what: '', url: `${p.url}/`, pid: p.proc.child.pid, tokensFile, roleArn, runs: [] };
    await measure(t, warmupSeconds);
    const profiled = await measure(t, settings.seconds);
    await p.proc.stop(); // SIGTERM: irsa up shuts down cleanly and V8 writes the profile
    const files = existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
    const file = files.map((f) => join(profDir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (!file) throw new Error('no .cpuprofile was written');
    const keep = join(tmpdir(), 'irsa-bench-sts.cpuprofile');
    writeFileSync(keep, readFileSync(file));
    const s = summarizeProfile(keep, {
      top: 20,
      inclusiveOf: ['handle', 'handleQuery', 'assumeRoleWithWebIdentity', 'verifyWebIdentityToken', 'verifiedByNode', 'compactVerify', 'decodeWebIdentityToken', 'decodeQueryInput', 'encodeQueryOutput', 'readBody', 'formParams', 'issue', 'seal', 'getKey', 'toCamel', 'toPascal', 'authorizePrepared', 'parserOnHeadersComplete', 'end'],
    });
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    profileText = [
      `### CPU profile of irsa-local under the same load`,
      '',
      `\`node --cpu-prof bin/irsa.js up …\`, ${settings.seconds} s of load (${formatInt(profiled.result.perSecond)} requests/s under the profiler). V8 samples the main thread's stack on a timer, so a share is the main thread's wall time, including time it was descheduled inside a call (e.g. a \`writev\` that wakes wrk). Shares are of the non-idle time (idle: ${pct(s.idleShare)}). Profile: ${keep}.`,
      '',
      'Self time by function (top 20):',
      '',
      markdownTable(['self', 'function', 'where'], s.functions.map((f) => [pct(f.share), f.name, f.where]), ['right', 'left', 'left']),
      '',
      'Inclusive time of selected functions (synchronous parts; continuations after an `await` are rooted at the microtask queue):',
      '',
      markdownTable(['total', 'function', 'where'], s.inclusive.filter((f) => f.share >= 0.005).map((f) => [pct(f.share), f.name, f.where]), ['right', 'left', 'left']),
      '',
    ];
  }
  idpCounts = await issuer.counts();
} finally {
  await cleanup();
}

// ---- report
const fmtUs = (us: number): string => formatNs(us * 1000);
const median = (t: Target): Measured => {
  const sorted = [...t.runs].sort((a, b) => a.result.perSecond - b.result.perSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measured;
};
const irsa = targets.find((t) => t.name === 'irsa-local');
const moto = targets.find((t) => t.name === 'moto_server');
const ceiling = targets.find((t) => t.name.includes('ceiling'));
const motoRate = moto ? median(moto).result.perSecond : undefined;
const rows = targets.map((t) => {
  const m = median(t);
  const r = m.result;
  const rates = t.runs.map((x) => x.result.perSecond);
  const non2xx = t.runs.reduce((n, x) => n + x.result.non2xx, 0);
  const errs = t.runs.reduce((n, x) => n + x.result.errors.connect + x.result.errors.read + x.result.errors.write + x.result.errors.timeout, 0);
  const requests = t.runs.reduce((n, x) => n + x.result.requests, 0);
  return [
    t.name,
    t.what,
    formatInt(r.perSecond),
    rates.length > 1 ? `${formatInt(Math.min(...rates))}–${formatInt(Math.max(...rates))}` : '—',
    fmtUs(r.latency.p50),
    fmtUs(r.latency.p99),
    m.cores === undefined ? '—' : m.cores.toFixed(2),
    formatInt(requests),
    formatInt(non2xx),
    formatInt(errs),
    motoRate ? formatRatio(r.perSecond / motoRate) : '—',
  ];
});

const command = `npm run bench:sts${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const report: string[] = [];
const emit = (s = ''): void => {
  report.push(s);
};
emit(`- date: ${new Date().toISOString().slice(0, 10)}`);
emit(`- machine: ${machine()}`);
emit(`- command: \`${command}\``);
emit(
  `- load: \`${wrkVersion()} -t${settings.threads} -c${settings.connections} -d${settings.seconds}s --latency -s bench/sts/assume.lua URL -- TOKENS ROLE_ARN ${SESSION}\`, ` +
    `the same for every server, on the same machine; ${warmupSeconds} s warm-up each, then ${rounds} interleaved round${rounds === 1 ? '' : 's'}; ` +
    `${tokenCount} tokens (RS256, 2048-bit key) in rotation${opts.pin ? `; pinned: servers \`taskset -c 0\`, wrk \`taskset -c ${loadCpus}\`` : ''}`,
);
emit(`- irsa-local: \`node bin/irsa.js up --data-dir <tmp> --port 0 --quiet\` from dist/ (${buildNote}), SQLite store`);
emit(`- peer: \`moto_server -H 127.0.0.1 -p <port>\`${opts['no-peer'] ? ' (skipped: --no-peer)' : ''}`);
emit();
emit(
  markdownTable(
    ['server', 'per request', 'requests/s', rounds === 1 ? 'range' : `range (${rounds} rounds)`, 'p50', 'p99', 'server CPU (cores)', 'requests', 'non-2xx', 'socket errors', 'vs moto'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  ),
);
emit();
emit('requests/s, p50, p99 and CPU are from each server\'s median round (by requests/s); requests, non-2xx and socket errors are totals over all rounds.');
emit();
if (irsa && motoRate) {
  const ratio = median(irsa).result.perSecond / motoRate;
  emit(`- Target irsa-local ≥ 100× moto's throughput: ${formatRatio(ratio)} — ${ratio >= 100 ? 'met' : 'NOT met'}.`);
}
if (irsa) {
  const p99 = median(irsa).result.latency.p99;
  emit(`- Target irsa-local p99 < 10 ms: ${fmtUs(p99)} — ${p99 < 10_000 ? 'met' : 'NOT met'} (p99 over all rounds: ${irsa.runs.map((x) => fmtUs(x.result.latency.p99)).join(', ')}).`);
}
if (irsa && ceiling) emit(`- irsa-local reaches ${((median(irsa).result.perSecond / median(ceiling).result.perSecond) * 100).toFixed(0)} % of the Node \`http\` ceiling on this machine.`);
for (const n of notes) emit(`- ${n}`);
const counts = Object.entries(idpCounts);
if (counts.length) emit(`- OIDC issuer requests during the whole run: ${counts.map(([k, v]) => `\`${k}\` ${v}`).join(', ')} (irsa-local fetches discovery and JWKS once and caches them${opts.profile ? '; the profiled restart fetches them again' : ''}).`);
for (const t of targets) {
  const bad = t.runs.filter((x) => x.result.non2xx > 0);
  if (bad.length) emit(`- ${t.name}: non-2xx responses by status: ${bad.map((x) => JSON.stringify(x.result.non2xxByThread)).join(' ')}`);
}

out('## STS benchmark: AssumeRoleWithWebIdentity under load');
out();
for (const l of report) out(l);
out();
for (const l of profileText) out(l);

if (opts['update-docs']) {
  const docs = join(repoRoot, 'docs', 'performance.md');
  const text = readFileSync(docs, 'utf8');
  const begin = '<!-- bench:sts:begin (npm run bench:sts -- --update-docs rewrites this block) -->';
  const end = '<!-- bench:sts:end -->';
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) {
    progress(`docs/performance.md has no ${begin} … ${end} block: not updated`);
  } else {
    writeFileSync(docs, `${text.slice(0, i + begin.length)}\n${report.join('\n')}\n${text.slice(j)}`);
    progress('docs/performance.md updated');
  }
}
