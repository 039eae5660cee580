import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateCases, toPeerSimulation, type GenCase } from '../support/generator.js';
import { importPeer, IAM_SIMULATE_VERSION } from '../support/peers.js';
import { repoRoot } from '../support/shared.js';
import { DIVERGENCES, explainDisagreement, runOurs, shrink, type Outcome, type PeerRunner } from './divergences.js';

/**
 * Differential test: irsa-local against @cloud-copilot/iam-simulate (AGPL; installed at test time
 * into a temp folder by test/support/peers.ts, driven only through its public `runSimulation`).
 *
 * N generated cases (IRSA_DIFF_CASES, default 12,000; seed IRSA_DIFF_SEED) go through both engines
 * and the three-way outcomes (allowed / explicit deny / implicit deny) are compared. Every
 * disagreement must be explained by a named classifier of ./divergences.ts, each documented in
 * docs/divergences.md; any other disagreement fails the test with a shrunk reproduction case.
 */

const N = Number(process.env['IRSA_DIFF_CASES'] ?? 12_000);
const SEED = Number(process.env['IRSA_DIFF_SEED'] ?? 20_240_601);

interface PeerModule {
  runSimulation(simulation: unknown, options: Record<string, unknown>): Promise<{ resultType: string; overallResult?: string; errors?: unknown }>;
}

const OUTCOME: Readonly<Record<string, Outcome>> = { Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny' };

let peerModule: PeerModule | undefined;
let skip: string | false = false;
try {
  peerModule = await importPeer<PeerModule>('@cloud-copilot/iam-simulate', IAM_SIMULATE_VERSION);
} catch (e) {
  skip = `@cloud-copilot/iam-simulate@${IAM_SIMULATE_VERSION} could not be installed (no npm registry access?): ${(e as Error).message.split('\n')[0] ?? ''}`;
}

const peer: PeerRunner = async (c) => {
  const r = await (peerModule as PeerModule).runSimulation(toPeerSimulation(c), {});
  if (r.resultType === 'error') return { error: JSON.stringify(r.errors) };
  const o = OUTCOME[r.overallResult ?? ''];
  return o ?? { error: `unknown result ${String(r.overallResult)}` };
};

function callerKind(c: GenCase): string {
  if (c.caller === 'anonymous') return 'anonymous';
  if (!c.caller.startsWith('arn:')) return 'service';
  const m = /^arn:aws:(?:iam|sts)::\d{12}:(root|user|role|assumed-role|federated-user)/.exec(c.caller);
  return m?.[1] ?? 'other';
}

/** Groups unexplained disagreements so that a few reproductions cover each kind. */
function signature(c: GenCase, ours: Outcome, theirs: Outcome): string {
  const parts = [callerKind(c), `${ours}->${theirs}`];
  if (c.boundary) parts.push('boundary');
  if (c.session) parts.push('session');
  if (c.resourcePolicy) parts.push(c.resourcePolicyKind ?? 'resource');
  if (c.scp) parts.push('scp');
  return parts.join(' ');
}

const docsText = readFileSync(join(repoRoot, 'docs', 'divergences.md'), 'utf8');

describe('docs/divergences.md', () => {
  for (const d of DIVERGENCES) {
    it(`documents ${d.id}`, () => {
      const at = docsText.indexOf(`\n## ${d.id}\n`);
      assert.ok(at >= 0, `docs/divergences.md needs a "## ${d.id}" section`);
      const section = docsText.slice(at + 1).split('\n## ')[0] ?? '';
      assert.match(section, /https:\/\/docs\.aws\.amazon\.com\//, 'the section quotes and links the AWS documentation');
    });
  }
});

describe(`differential: irsa-local vs @cloud-copilot/iam-simulate@${IAM_SIMULATE_VERSION}`, { skip }, () => {
  it('each documented divergence reproduces on its example case and is explained by its own classifier', async () => {
    for (const d of DIVERGENCES) {
      const ours = runOurs(d.example);
      const theirs = await peer(d.example);
      assert.equal(typeof theirs, 'string', `${d.id}: the peer rejected the example: ${JSON.stringify(theirs)}`);
      assert.notEqual(ours, theirs, `${d.id}: the engines agree on the example (${ours}); the divergence is gone`);
      assert.deepEqual(await explainDisagreement(d.example, peer), [d.id], `${d.id}: not explained by its own classifier`);
    }
  });

  it(`agrees on ${N} generated cases (seed ${SEED}) except for documented divergences`, { timeout: 600_000 }, async (t) => {
    const started = Date.now();
    let agreements = 0;
    let kindOnly = 0;
    const perClassifier = new Map<string, number>();
    const outcomes = new Map<string, number>();
    const unexplained: { c: GenCase; ours: Outcome; theirs: Outcome }[] = [];
    const problems: string[] = [];
    for (const c of generateCases(SEED, N)) {
      let ours: Outcome;
      try {
        ours = runOurs(c);
      } catch (e) {
        problems.push(`${c.name ?? ''}: irsa-local rejected a generated case: ${(e as Error).message}`);
        continue;
      }
      const theirs = await peer(c);
      if (typeof theirs !== 'string') {
        problems.push(`${c.name ?? ''}: the peer rejected a generated case: ${theirs.error}`);
        continue;
      }
      outcomes.set(ours, (outcomes.get(ours) ?? 0) + 1);
      if (ours === theirs) {
        agreements++;
        continue;
      }
      if ((ours === 'allowed') === (theirs === 'allowed')) kindOnly++;
      const ids = await explainDisagreement(c, peer);
      if (ids) {
        const key = ids.join(' + ');
        perClassifier.set(key, (perClassifier.get(key) ?? 0) + 1);
      } else unexplained.push({ c, ours, theirs });
    }
    const disagreements = N - agreements - problems.length;
    t.diagnostic(`cases: ${N}, agreements: ${agreements}, disagreements: ${disagreements} (explicit vs implicit only: ${kindOnly}), unexplained: ${unexplained.length}`);
    t.diagnostic(`irsa-local outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const d of DIVERGENCES) t.diagnostic(`  ${d.id}: ${perClassifier.get(d.id) ?? 0}`);
    for (const [k, v] of perClassifier) if (k.includes(' + ')) t.diagnostic(`  ${k}: ${v}`);

    assert.deepEqual(problems.slice(0, 10), [], 'every generated case must run in both engines');

    if (unexplained.length) {
      // Shrink a bounded number of them (to keep the run short) and show up to two per kind.
      const shown = new Map<string, number>();
      const lines: string[] = [];
      for (const u of unexplained.slice(0, 12)) {
        const small = await shrink(u.c, peer, 150);
        const ours = runOurs(small);
        const theirs = await peer(small);
        const key = typeof theirs === 'string' ? signature(small, ours, theirs) : 'peer error';
        const n = (shown.get(key) ?? 0) + 1;
        shown.set(key, n);
        if (n > 2) continue;
        const { name, ...body } = small;
        lines.push(`[${key}] irsa-local: ${ours}, iam-simulate: ${JSON.stringify(theirs)} (shrunk from ${name ?? ''})`);
        lines.push(`  ${JSON.stringify(body)}`);
      }
      const kinds = new Map<string, number>();
      for (const u of unexplained) kinds.set(signature(u.c, u.ours, u.theirs), (kinds.get(signature(u.c, u.ours, u.theirs)) ?? 0) + 1);
      lines.push(`unexplained by caller and outcome: ${[...kinds].map(([k, v]) => `${v} x [${k}]`).join('; ')}`);
      for (const l of lines) t.diagnostic(l);
      assert.fail(`${unexplained.length} disagreement(s) explained by no documented divergence (shrunk reproductions above):\n${lines.join('\n')}`);
    }
    t.diagnostic(`time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
