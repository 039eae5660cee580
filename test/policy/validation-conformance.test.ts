import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatePolicy } from '../../src/policy/validate/validate.js';
import { PolicyError } from '../../src/policy/errors.js';
import type { PolicyKind } from '../../src/policy/document.js';
import { readSharedJson, sharedDir, SHARED_MISSING } from '../support/shared.js';

/**
 * The validation corpora in ../shared/conformance, read in place:
 * - iam-policy-validation: 78 documents IAM rejects (with its message) and 54 it accepts;
 * - iam-user-guide-policies: 268 examples from the IAM User Guide that IAM accepts.
 */
interface MotoCases {
  invalid: { id: string; document: string; error: string }[];
  valid: { id: string; document: string }[];
}
interface GuidePolicy {
  id: string;
  hasPrincipal: boolean;
  document: Record<string, unknown>;
}

const skip = sharedDir() ? false : SHARED_MISSING;

function rejection(doc: string, kind: PolicyKind): PolicyError | undefined {
  try {
    validatePolicy(doc, kind);
    return undefined;
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
}

describe('IAM validation corpus (moto, recorded from IAM)', { skip }, () => {
  const cases = skip ? { invalid: [], valid: [] } : readSharedJson<MotoCases>('conformance', 'iam-policy-validation', 'moto-cases.json');
  it('has the 78 invalid and 54 valid documents', () => {
    assert.equal(cases.invalid.length, 78);
    assert.equal(cases.valid.length, 54);
  });
  for (const c of cases.invalid) {
    it(`rejects ${c.id} with IAM's message`, () => {
      const err = rejection(c.document, 'identity');
      assert.ok(err, 'expected MalformedPolicyDocument');
      assert.equal(err.code, 'MalformedPolicyDocument');
      assert.equal(err.message, c.error);
    });
  }
  for (const c of cases.valid) {
    it(`accepts ${c.id}`, () => {
      const err = rejection(c.document, 'identity');
      assert.equal(err?.message, undefined);
    });
  }
});

describe('IAM User Guide example policies', { skip }, () => {
  const policies = skip ? [] : readSharedJson<GuidePolicy[]>('conformance', 'iam-user-guide-policies', 'policies.json');
  it('has 268 documents', () => assert.equal(policies.length, 268));
  for (const p of policies) {
    // Principal-bearing documents are trust policies when they name no resource and only STS
    // actions; otherwise they are resource-based policies.
    const text = JSON.stringify(p.document);
    const statements = ([] as Record<string, unknown>[]).concat(p.document['Statement'] as Record<string, unknown>);
    const names = statements.flatMap((s) => ([] as unknown[]).concat(s['Action'] ?? []));
    const isTrust =
      p.hasPrincipal &&
      statements.every((s) => !('Resource' in s) && !('NotResource' in s)) &&
      names.every((a) => typeof a === 'string' && a.toLowerCase().startsWith('sts:'));
    const kind: PolicyKind = !p.hasPrincipal ? 'identity' : isTrust ? 'trust' : 'resource';
    it(`accepts ${p.id} as ${kind} policy`, () => {
      const err = rejection(text, kind);
      assert.equal(err?.message, undefined);
    });
  }
});
