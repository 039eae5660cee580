/**
 * Offline analysis benchmark (`irsa analyze`): generates an export of N roles and M managed
 * policies plus one cluster's manifests into a temporary directory, loads them as `irsa analyze`
 * does (src/cli/analyze-io.ts), and times `can NS/SA ACTION RESOURCE` and `who-can ACTION
 * RESOURCE` questions answered with the policy engine: the trust policy decided for the
 * ServiceAccount's token as STS decides it (src/sts/web-identity-context.ts), then the role's
 * identity policies within its boundary. Prints markdown tables.
 *
 * Loading and questions run in a fresh child process (so peak RSS is that of the analysis, not of
 * the generator), twice: once answering cold (each policy compiled on first use), once after
 * `compileAll()`. Each child asks the same questions twice; the second pass is warm.
 *
 *   npm run bench:analyze [-- --roles 5000] [--policies 20000] [--clusters 8] [--seed 1] [--can 200] [--who-can 50] [--keep] [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readAccountDetails, readManifestDir } from '../../src/cli/analyze-io.js';
import type { AccountModel } from '../../src/explain/account.js';
import { analysisWorld, whoCan, type AnalysisInput } from '../../src/explain/analyze.js';
import { explain } from '../../src/explain/explain.js';
import type { ExplainReport } from '../../src/explain/report.js';
import { formatInt, percentile } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { generate, rng } from './generate.js';

const { values: opts } = parseArgs({
  options: {
    roles: { type: 'string', default: '5000' },
    policies: { type: 'string', default: '20000' },
    clusters: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    can: { type: 'string', default: '200' },
    'who-can': { type: 'string', default: '50' },
    keep: { type: 'boolean' },
    quick: { type: 'boolean' },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});
const quick = opts.quick === true;
const ROLES = quick ? 500 : Number(opts.roles);
const POLICIES = quick ? 2000 : Number(opts.policies);
const CLUSTERS = Number(opts.clusters);
const SEED = Number(opts.seed);
const CAN = Number(opts.can);
const WHO_CAN = Number(opts['who-can']);

const out = (s = ''): void => void process.stdout.write(`${s}\n`);
const progress = (s: string): void => void process.stderr.write(`bench:analyze: ${s}\n`);
const ms = (x: number): string => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : x < 100 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// ---- child: load and answer -------------------------------------------------------------------

interface Meta {
  readonly account: string;
  readonly issuer: string;
  readonly resources: Readonly<Record<string, readonly string[]>>;
  readonly actions: readonly string[];
}

interface ChildResult {
  readonly loadMs: number;
  readonly manifestsMs: number;
  readonly compileAllMs: number | undefined;
  readonly problems: number;
  readonly rssAfterLoad: number;
  readonly peakRss: number;
  readonly roles: number;
  readonly policies: number;
  readonly serviceAccounts: number;
  readonly workloads: number;
  readonly documents: number;
  readonly files: number;
  readonly can: number[];
  readonly whoCan: number[];
  readonly canWarm: number[];
  readonly whoCanWarm: number[];
  readonly canAnswers: Record<string, number>;
  readonly whoCandidates: number;
  readonly whoAllowedRoles: number;
  readonly whoServiceAccounts: number;
}

async function child(dir: string, prepared: boolean): Promise<ChildResult> {
  const g = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  let t0 = performance.now();
  let lastShown = 0;
  const account: AccountModel = await readAccountDetails(join(dir, 'account-details.json'), {
    onProgress: (done, total) => {
      if (done === total || done - lastShown >= total / 5) {
        lastShown = done;
        progress(`loading account: ${done}/${total}`);
      }
    },
  });
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  const { model: cluster, files } = await readManifestDir(join(dir, 'manifests'));
  const manifestsMs = performance.now() - t0;
  const rssAfterLoad = process.memoryUsage().rss;
  let compileAllMs: number | undefined;
  let problems = 0;
  if (prepared) {
    t0 = performance.now();
    problems = account.compileAll().length;
    compileAllMs = performance.now() - t0;
  }

  // The questions `irsa analyze` answers, through the same functions (src/explain/analyze.ts).
  const input: AnalysisInput = { account, cluster, issuer: `https://${g.issuer}`, now: new Date() };
  const world = analysisWorld(input);
  const context = [
    { key: 'aws:SecureTransport', values: ['true'], type: 'boolean' as const },
    { key: 'aws:RequestedRegion', values: ['us-east-1'] },
  ];
  type Answer = ExplainReport['verdict'];
  /** `--can NS/SA ACTION RESOURCE`: the whole chain, as irsa explain reports it. */
  const can = async (ns: string, sa: string, action: string, resource: string): Promise<Answer> =>
    (await explain(world, { namespace: ns, serviceAccount: sa, action, resource, context })).verdict;
  /** `--who-can ACTION RESOURCE`. */
  const whoCanQ = (action: string, resource: string): { candidates: number; allowedRoles: number; serviceAccounts: string[] } => {
    const r = whoCan(input, action, resource, context);
    return { candidates: r.evaluated, allowedRoles: new Set(r.entries.map((e) => e.role)).size + r.rolesWithoutServiceAccount.length, serviceAccounts: r.entries.map((e) => e.serviceAccount) };
  };

  const rand = rng(SEED + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const services = Object.keys(g.resources);
  const question = (): { action: string; resource: string } => {
    const service = pick(services);
    return { action: pick(g.actions.filter((x) => x.startsWith(`${service}:`))), resource: pick(g.resources[service] as string[]) };
  };
  const sas = cluster.serviceAccounts();
  const canQs = Array.from({ length: CAN }, () => ({ sa: pick(sas), ...question() }));
  const whoQs = Array.from({ length: WHO_CAN }, question);
  const time = async <T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number }> => {
    const st = performance.now();
    const value = await fn();
    return { value, ms: performance.now() - st };
  };
  const canAnswers: Record<string, number> = {};
  let whoCandidates = 0;
  let whoAllowedRoles = 0;
  let whoServiceAccounts = 0;
  const pass = async (record: boolean): Promise<{ can: number[]; whoCan: number[] }> => {
    const canTimes: number[] = [];
    for (const q of canQs) {
      const r = await time(() => can(q.sa.metadata?.namespace as string, q.sa.metadata?.name as string, q.action, q.resource));
      if (record) canAnswers[r.value] = (canAnswers[r.value] ?? 0) + 1;
      canTimes.push(r.ms);
    }
    const whoTimes: number[] = [];
    for (const q of whoQs) {
      const r = await time(() => whoCanQ(q.action, q.resource));
      if (record) {
        whoCandidates += r.value.candidates;
        whoAllowedRoles += r.value.allowedRoles;
        whoServiceAccounts += r.value.serviceAccounts.length;
      }
      whoTimes.push(r.ms);
    }
    return { can: canTimes, whoCan: whoTimes };
  };
  const first = await pass(true);
  const second = await pass(false);
  return {
    loadMs,
    manifestsMs,
    compileAllMs,
    problems,
    rssAfterLoad,
    peakRss: process.resourceUsage().maxRSS * 1024,
    roles: account.counts.roles,
    policies: account.counts.policies,
    serviceAccounts: cluster.counts.serviceAccounts,
    workloads: cluster.counts.pods,
    documents: cluster.counts.documents,
    files,
    can: first.can,
    whoCan: first.whoCan,
    canWarm: second.can,
    whoCanWarm: second.whoCan,
    canAnswers,
    whoCandidates,
    whoAllowedRoles,
    whoServiceAccounts,
  };
}

if (opts.child) {
  const r = await child(opts.dir as string, opts.child === 'prepared');
  process.stdout.write(JSON.stringify(r));
  process.exit(0);
}

// ---- parent: generate, run the children, report -------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-analyze-'));
const t0 = performance.now();
const g = generate({ roles: ROLES, policies: POLICIES, clusters: CLUSTERS, seed: SEED });
const detailsFile = join(dir, 'account-details.json');
writeFileSync(detailsFile, JSON.stringify(g.details, null, 4));
mkdirSync(join(dir, 'manifests'));
for (const [name, text] of g.manifests) writeFileSync(join(dir, 'manifests', name), text);
writeFileSync(join(dir, 'meta.json'), JSON.stringify({ account: g.account, issuer: g.issuer, resources: g.resources, actions: g.actions } satisfies Meta));
const generateMs = performance.now() - t0;
progress(`generated ${ROLES} roles, ${POLICIES} policies in ${dir} (${ms(generateMs)})`);

const runChild = (mode: 'cold' | 'prepared'): ChildResult => {
  progress(`child (${mode}) …`);
  const args = ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', mode, '--dir', dir, '--seed', String(SEED), '--can', String(CAN), '--who-can', String(WHO_CAN)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.signal ?? r.status}`);
  return JSON.parse(r.stdout) as ChildResult;
};
const cold = runChild('cold');
const prepared = runChild('prepared');

const stats = (xs: number[]): string[] => {
  const sorted = [...xs].sort((a, b) => a - b);
  return [ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted.at(-1) as number)];
};
out(`## irsa analyze: ${formatInt(ROLES)} roles, ${formatInt(POLICIES)} managed policies (seed ${SEED})`);
out();
out(`Node ${process.version}, ${process.platform}/${process.arch}. Export ${mib(statSync(detailsFile).size)} (pretty-printed JSON as the AWS CLI writes it). Manifests of one of ${CLUSTERS} clusters: ${cold.files} files, ${cold.documents} documents, ${cold.serviceAccounts} ServiceAccounts, ${cold.workloads} workloads.`);
out();
out(
  markdownTable(
    ['step', 'cold', 'prepared', 'notes'],
    [
      ['generate + write (parent)', ms(generateMs), '', ''],
      ['load account: read, JSON.parse, loadAccountDetails', ms(cold.loadMs), ms(prepared.loadMs), `${cold.roles} roles, ${cold.policies} policies`],
      ['load manifests: walk, YAML, loadManifests', ms(cold.manifestsMs), ms(prepared.manifestsMs), ''],
      ['compileAll (optional)', '', ms(prepared.compileAllMs ?? 0), `${prepared.problems} invalid documents`],
      ['RSS after loading', mib(cold.rssAfterLoad), mib(prepared.rssAfterLoad), ''],
      ['peak RSS (child)', mib(cold.peakRss), mib(prepared.peakRss), ''],
    ],
    ['left', 'right', 'right', 'left'],
  ),
);
out();
const rows = (name: string, r: ChildResult): string[][] => [
  [`can (${name}, 1st pass)`, String(CAN), ...stats(r.can)],
  [`can (${name}, 2nd pass)`, String(CAN), ...stats(r.canWarm)],
  [`who-can (${name}, 1st pass)`, String(WHO_CAN), ...stats(r.whoCan)],
  [`who-can (${name}, 2nd pass)`, String(WHO_CAN), ...stats(r.whoCanWarm)],
];
out(markdownTable(['question', 'count', 'median', 'p99', 'max'], [...rows('cold', cold), ...rows('prepared', prepared)], ['left', 'right', 'right', 'right', 'right']));
out();
out(`Answers to the ${CAN} can questions: ${Object.entries(cold.canAnswers).map(([k, v]) => `${k} ${v}`).join(', ')}. Per who-can question: ${(cold.whoCandidates / WHO_CAN).toFixed(0)} candidate roles of ${cold.roles}, ${(cold.whoAllowedRoles / WHO_CAN).toFixed(1)} allowed, ${(cold.whoServiceAccounts / WHO_CAN).toFixed(1)} ServiceAccounts.`);
out('Cold: each policy is validated and compiled on first use, so early questions pay for later ones.');

if (opts.keep) progress(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
