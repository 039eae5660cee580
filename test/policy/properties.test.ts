import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyCache, runCase } from '../../src/simulate/case.js';
import type { PolicyKind } from '../../src/policy/index.js';
import {
  AWS_CALLERS,
  Rng,
  callerOf,
  caseSeed,
  clone,
  generateCase,
  isValid,
  randomStatement,
  statementsOf,
  type GenCase,
  type PolicyDoc,
  type StatementDoc,
} from '../support/generator.js';

/**
 * Oracle-free properties of irsa-local's authorization, each over PROPERTY_CASES (≥ 2,000)
 * generated cases with a fixed seed (test/support/generator.ts):
 * - the order of statements, policies, SCP levels and condition entries never matters;
 * - adding an Allow statement or policy never turns an allowed request into a denied one;
 * - adding a Deny never turns a denied request into an allowed one;
 * - a Deny that matches the request makes the decision an explicit deny.
 */

const CASES = Math.max(2000, Number(process.env['IRSA_PROPERTY_CASES'] ?? 2500));
const SEED = Number(process.env['IRSA_PROPERTY_SEED'] ?? 7_001);

type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

function decide(c: GenCase): Decision {
  return runCase(clone(c), new PolicyCache(), { defaults: false }).decision;
}

function* cases(salt: number): Generator<{ c: GenCase; rng: Rng; index: number }> {
  for (let i = 0; i < CASES; i++) {
    const rng = new Rng(caseSeed(SEED + salt, i));
    yield { c: generateCase(rng), rng, index: i };
  }
}

/** Reports a counterexample as a runnable case. */
function failure(property: string, index: number, before: GenCase, after: GenCase, was: Decision, now: Decision): string {
  return `${property} (case ${index}): ${was} became ${now}\nbefore: ${JSON.stringify(before)}\nafter:  ${JSON.stringify(after)}`;
}

// ---- editing cases -----------------------------------------------------------------------------

interface Slot {
  readonly kind: PolicyKind;
  readonly doc: PolicyDoc;
}

/** Every existing policy of a case that a statement can be added to (SCPs and boundary/session
 * only where they exist: adding a level or a first boundary restricts instead of granting). */
function slots(c: GenCase): Slot[] {
  const out: Slot[] = [];
  for (const doc of c.identity) out.push({ kind: 'identity', doc });
  for (const doc of c.boundary ?? []) out.push({ kind: 'boundary', doc });
  for (const doc of c.session ?? []) out.push({ kind: 'session', doc });
  for (const level of c.scp ?? []) for (const doc of level) out.push({ kind: 'scp', doc });
  if (c.resourcePolicy) out.push({ kind: c.resourcePolicyKind ?? 'resource', doc: c.resourcePolicy });
  return out;
}

function append(doc: PolicyDoc, st: StatementDoc): void {
  doc.Statement = [...statementsOf(doc), st];
}

function shuffled(c: GenCase, rng: Rng): GenCase {
  const out = clone(c);
  const shuffleDoc = (d: PolicyDoc): void => {
    if (Array.isArray(d.Statement)) d.Statement = rng.shuffle(d.Statement);
    for (const st of statementsOf(d)) {
      if (!st.Condition) continue;
      const ops = rng.shuffle(Object.entries(st.Condition));
      st.Condition = Object.fromEntries(ops.map(([op, entries]) => [op, Object.fromEntries(rng.shuffle(Object.entries(entries)))]));
    }
  };
  out.identity = rng.shuffle(out.identity);
  if (out.boundary) out.boundary = rng.shuffle(out.boundary);
  if (out.scp) out.scp = rng.shuffle(out.scp.map((level) => rng.shuffle(level)));
  for (const s of slots(out)) shuffleDoc(s.doc);
  return out;
}

describe('authorization properties (oracle-free)', () => {
  it(`shuffling statements, policies, SCP levels and condition entries never changes the decision (${CASES} cases)`, () => {
    let checked = 0;
    for (const { c, rng, index } of cases(1)) {
      const was = decide(c);
      const variant = shuffled(c, rng);
      const now = decide(variant);
      assert.equal(now, was, failure('order independence', index, c, variant, was, now));
      checked++;
    }
    assert.ok(checked >= 2000);
  });

  it(`adding an Allow statement or policy never turns allowed into denied (${CASES} cases)`, () => {
    let allowedBefore = 0;
    for (const { c, rng, index } of cases(2)) {
      const was = decide(c);
      const variant = clone(c);
      const targets = slots(variant);
      const aws = AWS_CALLERS.has(callerOf(c).kind);
      if (targets.length && rng.chance(0.7)) {
        const slot = rng.pick(targets);
        append(slot.doc, randomStatement(rng, c, slot.kind, 'Allow'));
        if (!isValid(slot.doc, slot.kind)) continue;
      } else if (aws && rng.chance(0.5)) {
        variant.identity.push({ Version: '2012-10-17', Statement: [randomStatement(rng, c, 'identity', 'Allow')] });
      } else if (!variant.resourcePolicy) {
        variant.resourcePolicy = { Version: '2012-10-17', Statement: [randomStatement(rng, c, 'resource', 'Allow')] };
      } else continue;
      const now = decide(variant);
      if (was === 'allowed') {
        allowedBefore++;
        assert.equal(now, 'allowed', failure('adding an Allow', index, c, variant, was, now));
      }
    }
    assert.ok(allowedBefore > 200, `too few allowed cases exercised (${allowedBefore})`);
  });

  it(`adding a Deny never turns denied into allowed (${CASES} cases)`, () => {
    let deniedBefore = 0;
    for (const { c, rng, index } of cases(3)) {
      const was = decide(c);
      const variant = clone(c);
      const targets = slots(variant);
      if (targets.length && rng.chance(0.8)) {
        const slot = rng.pick(targets);
        append(slot.doc, randomStatement(rng, c, slot.kind, 'Deny'));
        if (!isValid(slot.doc, slot.kind)) continue;
      } else if (!variant.resourcePolicy) {
        variant.resourcePolicy = { Version: '2012-10-17', Statement: [randomStatement(rng, c, 'resource', 'Deny')] };
      } else {
        variant.identity.push({ Version: '2012-10-17', Statement: [randomStatement(rng, c, 'identity', 'Deny')] });
      }
      const now = decide(variant);
      if (was !== 'allowed') {
        deniedBefore++;
        assert.notEqual(now, 'allowed', failure('adding a Deny', index, c, variant, was, now));
      }
    }
    assert.ok(deniedBefore > 200);
  });

  it(`a Deny that matches the request makes any decision an explicit deny (${CASES} cases)`, () => {
    const seen = new Map<Decision, number>();
    for (const { c, rng, index } of cases(4)) {
      const was = decide(c);
      seen.set(was, (seen.get(was) ?? 0) + 1);
      const variant = clone(c);
      const caller = callerOf(c);
      const aws = AWS_CALLERS.has(caller.kind);
      const sessionKind = caller.kind === 'assumedRole' || caller.kind === 'federatedUser';
      // A Deny naming the action: in a policy type that applies to this caller.
      const places: (() => void)[] = [
        () => {
          const trust = variant.resourcePolicyKind === 'trust';
          const st: StatementDoc = trust ? { Effect: 'Deny', Principal: '*', Action: c.action } : { Effect: 'Deny', Principal: '*', Action: c.action, Resource: '*' };
          if (variant.resourcePolicy) append(variant.resourcePolicy, st);
          else variant.resourcePolicy = { Version: '2012-10-17', Statement: [st] };
        },
      ];
      const plain: StatementDoc = { Effect: 'Deny', Action: c.action, Resource: '*' };
      if (aws) places.push(() => variant.identity.push({ Version: '2012-10-17', Statement: [plain] }));
      if (aws && variant.boundary?.length) places.push(() => append(rng.pick(variant.boundary ?? []), plain));
      if (sessionKind && variant.session?.length) places.push(() => append(rng.pick(variant.session ?? []), plain));
      if (aws && variant.scp?.length) places.push(() => append(rng.pick(rng.pick(variant.scp ?? [])), plain));
      rng.pick(places)();
      const now = decide(variant);
      assert.equal(now, 'explicitDeny', failure('a matching Deny', index, c, variant, was, now));
    }
    assert.ok((seen.get('allowed') ?? 0) > 200, 'allowed cases were turned into explicit denies too');
  });
});
