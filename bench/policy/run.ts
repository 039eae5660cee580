/**
 * Policy engine benchmark: irsa-local against @cloud-copilot/iam-simulate, in one process on one
 * machine. Prints markdown tables: throughput on a shared request corpus (with the engines'
 * agreement), per-decision latency, and `irsa simulate` end to end.
 *
 *   npm run bench:policy [-- --quick] [--cases N] [--lines N] [--skip-e2e] [--no-build] [--no-peer] [--engine dist|src]
 *
 * irsa-local runs from dist/ (built first with `npm run build`), as `bin/irsa.js` does; see engine.ts.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { DecisionKind } from '../../src/policy/index.js';
import { formatInt, formatNs, formatRate, formatRatio, percentile } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { measureThroughput, measureThroughputAsync, sampleLatency, sampleLatencyAsync, type LatencyResult } from '../lib/timing.js';
import { generateCorpus, type BenchCase } from './corpus.js';
import { loadIamSimulate, SIM_TO_IRSA, type IamSimulate, type SimResult } from './iam-simulate.js';
import { loadEngine, type EngineSource } from './engine.js';
import { IrsaEngine, type IrsaCase } from './irsa.js';
import { scenarios } from './scenarios.js';
import { runSimulate, writeCasesFile } from './simulate-e2e.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    cases: { type: 'string' },
    lines: { type: 'string' },
    'skip-e2e': { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'no-peer': { type: 'boolean' },
    engine: { type: 'string', default: 'dist' },
  },
});
const quick = opts.quick === true;
const CASES = Number(opts.cases ?? 4000);
const LINES = Number(opts.lines ?? 100_000);
const scale = quick ? 0.2 : 1;
if (opts.engine !== 'dist' && opts.engine !== 'src') throw new Error('--engine takes dist or src');
const source = opts.engine as EngineSource;

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const progress = (s: string): void => {
  process.stderr.write(`bench:policy: ${s}\n`);
};

function machine(): string {
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // not on every system
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `nproc ${nproc}, ${cpu}, Node ${process.version} (${process.platform}-${process.arch})`;
}

out(`## Policy benchmark`);
out();
out(`- date: ${new Date().toISOString()}`);
out(`- machine: ${machine()}`);
out(`- command: \`npm run bench:policy${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``);
progress(source === 'dist' && !opts['no-build'] ? 'npm run build' : `loading ${source}`);
const irsa = await loadEngine(source, !opts['no-build']);
out(`- irsa-local: ${source === 'dist' ? 'dist/ (tsc output, as bin/irsa.js runs it)' : 'src/ through tsx (slower than dist: tsx wraps closures in __name())'}; ${irsa.note}`);
const { RequestContext, authorize, principalFromString } = irsa.policy;

// ---------------------------------------------------------------------------------------------
// 1. Throughput on the corpus, and agreement.
const corpus = generateCorpus(CASES);
const engine = new IrsaEngine(irsa);
const decide = engine.decide;
const prepared: IrsaCase[] = corpus.map((c) => engine.prepare(c));
const irsaDecisions: DecisionKind[] = prepared.map(decide);
const mix = new Map<DecisionKind, number>();
for (const d of irsaDecisions) mix.set(d, (mix.get(d) ?? 0) + 1);

let sim: IamSimulate | undefined;
if (!opts['no-peer']) {
  progress('installing/loading @cloud-copilot/iam-simulate');
  sim = await loadIamSimulate();
}
out(`- peer: @cloud-copilot/iam-simulate ${sim ? sim.version : '(skipped: --no-peer)'}`);
out();

progress(`throughput: ${corpus.length} requests`);
const irsaPass = (): unknown => {
  let allowed = 0;
  for (const p of prepared) if (decide(p) === 'allowed') allowed++;
  return allowed;
};
const irsaTp = measureThroughput(irsaPass, prepared.length, { warmupMs: 500 * scale, minMs: 3000 * scale, minPasses: 3 });

interface Disagreement {
  count: number;
  example: BenchCase;
}
const disagreements = new Map<string, Disagreement>();
const note = (key: string, c: BenchCase): void => {
  const d = disagreements.get(key);
  if (d) d.count++;
  else disagreements.set(key, { count: 1, example: c });
};

const rows: string[][] = [];
let agreeFull = 0;
let agreeUnsafe = 0;
let errorsFull = 0;
let simTp: ReturnType<typeof measureThroughput> | undefined;
let unsafeTp: ReturnType<typeof measureThroughput> | undefined;
if (sim) {
  const s = sim;
  const full = corpus.map((c) => s.simulation(c, false));
  const unsafe = corpus.map((c) => s.simulation(c, true));
  // Agreement, case by case.
  for (const [i, c] of corpus.entries()) {
    const mine = irsaDecisions[i] as DecisionKind;
    const r = await s.run(full[i] as (typeof full)[number]);
    if (r.startsWith('error')) errorsFull++;
    const theirs = r.startsWith('error') ? r : SIM_TO_IRSA[r as SimResult];
    if (theirs === mine) agreeFull++;
    else note(`runSimulation | ${c.label} | irsa-local ${mine}, iam-simulate ${theirs}`, c);
    let u: string;
    try {
      u = SIM_TO_IRSA[s.runUnsafe(unsafe[i] as (typeof unsafe)[number])];
    } catch (e) {
      u = `threw ${(e as Error).message}`;
    }
    if (u === mine) agreeUnsafe++;
    else note(`runUnsafeSimulation | ${c.label} | irsa-local ${mine}, iam-simulate ${u}`, c);
  }
  progress('throughput: iam-simulate runSimulation');
  simTp = await measureThroughputAsync(
    async () => {
      let n = 0;
      for (const x of full) if ((await s.run(x)) === 'Allowed') n++;
      return n;
    },
    full.length,
    { warmupPasses: quick ? 0 : 1, minMs: 3000 * scale, minPasses: 1 },
  );
  progress('throughput: iam-simulate runUnsafeSimulation');
  unsafeTp = measureThroughput(
    () => {
      let n = 0;
      for (const x of unsafe) {
        try {
          if (s.runUnsafe(x) === 'Allowed') n++;
        } catch {
          n--;
        }
      }
      return n;
    },
    unsafe.length,
    { warmupMs: 1000 * scale, minMs: 3000 * scale, minPasses: 1 },
  );
}

out(`### 1. Throughput: ${formatInt(corpus.length)} requests, same corpus through both engines`);
out();
out(
  `Decisions (irsa-local): ${formatInt(mix.get('allowed') ?? 0)} allowed, ${formatInt(mix.get('explicitDeny') ?? 0)} explicit deny, ${formatInt(mix.get('implicitDeny') ?? 0)} implicit deny. ` +
    `Each irsa-local decision parses the caller ARN and builds the request context; policies are compiled once.`,
);
out();
rows.push(['irsa-local `authorize`', formatInt(irsaTp.operations), irsaTp.seconds.toFixed(2), formatRate(irsaTp.perSecond), formatNs(1e9 / irsaTp.perSecond), '1×', '—']);
if (simTp) {
  const ratio = irsaTp.perSecond / simTp.perSecond;
  rows.push([
    `iam-simulate \`runSimulation\` (validates each call)`,
    formatInt(simTp.operations),
    simTp.seconds.toFixed(2),
    formatRate(simTp.perSecond),
    formatNs(1e9 / simTp.perSecond),
    formatRatio(ratio),
    `${agreeFull}/${corpus.length}`,
  ]);
}
if (unsafeTp) {
  rows.push([
    `iam-simulate \`runUnsafeSimulation\` (no validation)`,
    formatInt(unsafeTp.operations),
    unsafeTp.seconds.toFixed(2),
    formatRate(unsafeTp.perSecond),
    formatNs(1e9 / unsafeTp.perSecond),
    formatRatio(irsaTp.perSecond / unsafeTp.perSecond),
    `${agreeUnsafe}/${corpus.length}`,
  ]);
}
out(markdownTable(['engine', 'decisions', 'seconds', 'decisions/s', 'mean/decision', 'irsa-local faster by', 'agrees with irsa-local'], rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right']));
out();
if (simTp) {
  const ratio = irsaTp.perSecond / simTp.perSecond;
  out(`Target irsa-local ≥ 100× iam-simulate \`runSimulation\`: ${formatRatio(ratio)} — ${ratio >= 100 ? 'met' : 'NOT met'}.`);
  out();
}
if (sim) {
  if (errorsFull) out(`iam-simulate \`runSimulation\` returned an error for ${errorsFull} cases.`);
  if (disagreements.size === 0) out('No disagreements.');
  else {
    out('Disagreements (grouped by variant, request template and decisions):');
    out();
    const drows = [...disagreements.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .map(([k, d]) => {
        const [variant, label, decisions] = k.split(' | ') as [string, string, string];
        return [variant, label, decisions, String(d.count), `${d.example.resource}`];
      });
    out(markdownTable(['iam-simulate entry point', 'request', 'decisions', 'cases', 'example resource'], drows, ['left', 'left', 'left', 'right', 'left']));
  }
  out();
}

// ---------------------------------------------------------------------------------------------
// 2. Latency.
progress('latency');
const lat = (r: LatencyResult): [string, string] => [formatNs(percentile(r.samples, 50)), formatNs(percentile(r.samples, 99))];
const latRows: string[][] = [];
const targetNotes: string[] = [];
for (const sc of scenarios()) {
  const p = engine.prepare(sc.case);
  const principal = principalFromString(p.caller);
  if (!principal) throw new Error(`bad caller ${p.caller}`);
  const context = new RequestContext(p.context);
  const request = { principal, action: p.action, resource: p.resource, context };
  const decision = authorize(request, p.sets).decision;
  const mine = sampleLatency(() => authorize(request, p.sets), { batch: 100, maxSamples: quick ? 2000 : 10_000, budgetMs: 1500 * scale, warmupMs: 300 * scale });
  const [p50, p99] = lat(mine);
  const statements = p.sets.identity?.policies.reduce((n, x) => n + x.statements.length, 0) ?? 0;
  const policies = p.sets.identity?.policies.length ?? 0;
  let simCells = ['—', '—', '—', '—', '—'];
  if (sim && sc.peer) {
    const s = sim;
    const full = s.simulation(sc.case, false);
    const unsafe = s.simulation(sc.case, true);
    const theirs = await s.run(full);
    const a = await sampleLatencyAsync(() => s.run(full), { batch: 5, maxSamples: 400, budgetMs: 1500 * scale, warmupMs: 300 * scale, minSamples: 10 });
    const b = sampleLatency(() => s.runUnsafe(unsafe), { batch: 10, maxSamples: 1000, budgetMs: 1500 * scale, warmupMs: 300 * scale, minSamples: 10 });
    const same = theirs.startsWith('error') ? theirs : SIM_TO_IRSA[theirs as SimResult] === decision ? 'same' : `differs: ${theirs}`;
    simCells = [...lat(a), ...lat(b), same];
    simCells.push(formatRatio(percentile(a.samples, 50) / percentile(mine.samples, 50)));
  } else simCells.push('—');
  latRows.push([sc.name, `${policies}/${statements}`, decision, p50, p99, ...simCells]);
  if (sc.name.startsWith('(a)')) targetNotes.push(`Target (a) p50 < 2 µs: ${p50} — ${percentile(mine.samples, 50) < 2000 ? 'met' : 'NOT met'}.`);
}
out(`### 2. Per-decision latency (policies compiled once; \`authorize()\` only)`);
out();
out(
  markdownTable(
    ['scenario', 'policies/statements', 'decision', 'irsa-local p50', 'irsa-local p99', 'runSimulation p50', 'runSimulation p99', 'runUnsafe p50', 'runUnsafe p99', 'iam-simulate decision', 'p50 ratio (runSimulation / irsa-local)'],
    latRows,
    ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right'],
  ),
);
out();
for (const n of targetNotes) out(n);
out();
out('Scenarios: ' + scenarios().map((s) => `${s.name}: ${s.detail}`).join('; ') + '.');
out();

// ---------------------------------------------------------------------------------------------
// 3. irsa simulate end to end.
if (!opts['skip-e2e']) {
  out(`### 3. \`irsa simulate\` end to end`);
  out();
  if (source !== 'dist') out('- skipped: needs the built CLI (--engine dist)');
  else {
    progress(`writing ${LINES} cases`);
    const file = writeCasesFile(corpus, LINES);
    progress(`node bin/irsa.js simulate ${file.path} > /dev/null`);
    const r = runSimulate(file.path);
    out(`- file: ${formatInt(LINES)} lines (the corpus above, repeated), ${(file.bytes / 1e6).toFixed(1)} MB, policies inline on every line`);
    out(`- command: \`node bin/irsa.js simulate ${file.path} --now <fixed> > /dev/null\``);
    out();
    out(
      markdownTable(
        ['cases', 'seconds', 'cases/s', 'exit'],
        [[formatInt(LINES), r.seconds.toFixed(2), formatRate(LINES / r.seconds), String(r.exitCode)]],
        ['right', 'right', 'right', 'right'],
      ),
    );
    if (r.exitCode !== 0) out(`\nstderr: ${r.stderr.split('\n').slice(0, 5).join(' / ')}`);
  }
  out();
}
