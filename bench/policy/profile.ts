/**
 * A CPU-profiling driver: runs one irsa-local workload of the policy benchmark for a few seconds
 * and nothing else, so a profile shows only the engine.
 *
 *   npm run build && node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/policy/profile.ts [corpus|walkthrough|e2e-case] [seconds] [dist|src]
 *
 * Profiles dist/ by default (what runs in production); `src` profiles the sources through tsx.
 * corpus: the benchmark corpus through `decide` (caller parsed, context built, authorize);
 * walkthrough: scenario (a), `authorize()` only; e2e-case: `runCase` from src/simulate on the
 * corpus lines (what `irsa simulate` does per line, without I/O).
 */
import { keep } from '../lib/timing.js';
import { CURRENT_TIME, generateCorpus } from './corpus.js';
import { loadEngine, type EngineSource } from './engine.js';
import { IrsaEngine } from './irsa.js';
import { scenarios } from './scenarios.js';
import { caseLine } from './simulate-e2e.js';

const what = process.argv[2] ?? 'corpus';
const seconds = Number(process.argv[3] ?? 5);
const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
const irsa = await loadEngine((process.argv[4] ?? 'dist') as EngineSource, false);
const { RequestContext, authorize, principalFromString } = irsa.policy;
const { PolicyCache, runCase } = irsa.simulate;
const engine = new IrsaEngine(irsa);
const decide = engine.decide;
let n = 0;

if (what === 'corpus') {
  const prepared = generateCorpus(4000).map((c) => engine.prepare(c));
  while (process.hrtime.bigint() < end) for (const p of prepared) keep(decide(p)), n++;
} else if (what === 'walkthrough') {
  const sc = scenarios()[0];
  if (!sc) throw new Error('no scenario');
  const p = engine.prepare(sc.case);
  const principal = principalFromString(p.caller);
  if (!principal) throw new Error('bad caller');
  const request = { principal, action: p.action, resource: p.resource, context: new RequestContext(p.context) };
  while (process.hrtime.bigint() < end) for (let i = 0; i < 10_000; i++) keep(authorize(request, p.sets)), n++;
} else if (what === 'e2e-case') {
  const lines = generateCorpus(4000).map(caseLine);
  const cache = new PolicyCache();
  const now = new Date(CURRENT_TIME);
  const options = { defaults: true, now: () => now };
  while (process.hrtime.bigint() < end) for (const l of lines) keep(JSON.stringify(runCase(JSON.parse(l), cache, options))), n++;
} else throw new Error(`unknown workload ${what}: corpus, walkthrough or e2e-case`);

process.stderr.write(`${what}: ${n} decisions in ${seconds} s (${((seconds * 1e9) / n).toFixed(0)} ns each)\n`);
