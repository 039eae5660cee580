import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CASE_INPUT_FIELDS, PolicyCache, runCase } from '../../src/simulate/case.js';
import { repoRoot } from '../support/shared.js';

/**
 * The evaluation conformance corpus: test/cases/*.json, one file per topic. Every case is an
 * `irsa simulate` case plus `name`, `doc` (the AWS documentation page it follows) and `expect`.
 * Expectations are written from AWS's documentation, not from what the engine returns.
 * Files are read strictly: an unknown field in a case or in `expect` is an error.
 */
const CASES_DIR = join(repoRoot, 'test', 'cases');

const CASE_FIELDS = new Set([...CASE_INPUT_FIELDS, 'name', 'doc', 'expect']);
const EXPECT_FIELDS = new Set(['decision', 'deniedBy', 'message']);
const DECISIONS = ['allowed', 'explicitDeny', 'implicitDeny'] as const;
const POLICY_TYPES = ['scp', 'resource', 'identity', 'boundary', 'session'] as const;
type PolicyType = (typeof POLICY_TYPES)[number];

/** Every topic the corpus must cover, one file each. */
const TOPIC_FILES = [
  'actions.json',
  'resources.json',
  'principals.json',
  'conditions-string.json',
  'conditions-numeric.json',
  'conditions-date.json',
  'conditions-bool-binary.json',
  'conditions-ip.json',
  'conditions-arn.json',
  'conditions-null.json',
  'set-operators.json',
  'ifexists.json',
  'variables.json',
  'cross-policy-types.json',
  'same-vs-cross-account.json',
  'boundaries-sessions.json',
  'scp.json',
  'trust.json',
];
const MIN_CASES = 300;

/**
 * How AWS's AccessDenied messages name each policy type ("Troubleshoot access denied error
 * messages", troubleshoot_access-denied.html). The page's own examples also write "Service Control
 * Policy", "sessions policy" and "role trust policy" (a trust policy is a resource-based policy).
 */
const TYPE_IN_MESSAGE: Readonly<Record<PolicyType, readonly string[]>> = {
  scp: ['service control policy'],
  resource: ['resource-based policy', 'role trust policy'],
  identity: ['identity-based policy'],
  boundary: ['permissions boundary'],
  session: ['session policy', 'sessions policy'],
};

interface Expectation {
  readonly decision: (typeof DECISIONS)[number];
  readonly deniedBy?: PolicyType;
  readonly message?: string;
}

interface CorpusCase {
  readonly file: string;
  readonly name: string;
  readonly doc: string;
  readonly expect: Expectation;
  readonly raw: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readExpect(v: unknown, where: string): Expectation {
  if (!isObject(v)) throw new Error(`${where}: \`expect\` must be an object`);
  for (const k of Object.keys(v)) if (!EXPECT_FIELDS.has(k)) throw new Error(`${where}: unknown field \`expect.${k}\``);
  const decision = v['decision'];
  if (typeof decision !== 'string' || !(DECISIONS as readonly string[]).includes(decision)) {
    throw new Error(`${where}: \`expect.decision\` must be one of ${DECISIONS.join(', ')}`);
  }
  const deniedBy = v['deniedBy'];
  if (deniedBy !== undefined) {
    if (typeof deniedBy !== 'string' || !(POLICY_TYPES as readonly string[]).includes(deniedBy)) {
      throw new Error(`${where}: \`expect.deniedBy\` must be one of ${POLICY_TYPES.join(', ')}`);
    }
    if (decision === 'allowed') throw new Error(`${where}: \`expect.deniedBy\` makes no sense for an allowed request`);
  }
  const message = v['message'];
  if (message !== undefined) {
    if (typeof message !== 'string' || message === '') throw new Error(`${where}: \`expect.message\` must be a non-empty string`);
    if (decision === 'allowed') throw new Error(`${where}: \`expect.message\` makes no sense for an allowed request`);
  }
  return {
    decision: decision as Expectation['decision'],
    ...(deniedBy !== undefined ? { deniedBy: deniedBy as PolicyType } : {}),
    ...(message !== undefined ? { message: message as string } : {}),
  };
}

/** Reads every test/cases/*.json strictly; throws on the first malformed case. */
function loadCorpus(): { cases: CorpusCase[]; perFile: Map<string, number> } {
  const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.json')).sort();
  const cases: CorpusCase[] = [];
  const perFile = new Map<string, number>();
  const names = new Map<string, string>();
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(join(CASES_DIR, file), 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${file}: must hold a JSON array of cases`);
    perFile.set(file, parsed.length);
    parsed.forEach((raw: unknown, i) => {
      const at = `${file}[${i}]`;
      if (!isObject(raw)) throw new Error(`${at}: a case must be an object`);
      for (const k of Object.keys(raw)) if (!CASE_FIELDS.has(k)) throw new Error(`${at}: unknown field \`${k}\``);
      const name = raw['name'];
      if (typeof name !== 'string' || name.trim() === '') throw new Error(`${at}: \`name\` is required`);
      const where = `${file} › ${name}`;
      const doc = raw['doc'];
      if (typeof doc !== 'string' || !/^https:\/\/docs\.aws\.amazon\.com\/\S+$/.test(doc)) {
        throw new Error(`${where}: \`doc\` must be an https://docs.aws.amazon.com/ URL`);
      }
      const seen = names.get(name);
      if (seen) throw new Error(`${where}: duplicate case name (also in ${seen})`);
      names.set(name, file);
      cases.push({ file, name, doc, expect: readExpect(raw['expect'], where), raw });
    });
  }
  return { cases, perFile };
}

/** The policy type an AccessDenied message names ("… in a session policy", "because no … allows"). */
function typeNamedBy(message: string): PolicyType | undefined {
  const lower = message.toLowerCase();
  for (const t of POLICY_TYPES) if (TYPE_IN_MESSAGE[t].some((phrase) => lower.includes(` ${phrase}`))) return t;
  return undefined;
}

const corpus = loadCorpus();

describe('evaluation corpus: shape', () => {
  it(`has at least ${MIN_CASES} cases`, () => {
    assert.ok(corpus.cases.length >= MIN_CASES, `only ${corpus.cases.length} cases`);
  });
  for (const file of TOPIC_FILES) {
    it(`covers ${file.replace(/\.json$/, '')}`, () => {
      assert.ok(existsSync(join(CASES_DIR, file)), `test/cases/${file} is missing`);
      assert.ok((corpus.perFile.get(file) ?? 0) > 0, `test/cases/${file} has no cases`);
    });
  }
});

const byFile = new Map<string, CorpusCase[]>();
for (const c of corpus.cases) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);

for (const [file, cases] of byFile) {
  describe(`evaluation corpus: ${file}`, () => {
    const cache = new PolicyCache();
    for (const c of cases) {
      it(c.name, () => {
        const result = runCase(c.raw, cache, { defaults: false });
        const context = `${c.doc}\nreasons: ${JSON.stringify(result.reasons)}`;
        assert.equal(result.decision, c.expect.decision, context);
        if (c.expect.deniedBy) {
          assert.ok(result.message, 'a denied request carries a message');
          assert.equal(typeNamedBy(result.message), c.expect.deniedBy, `message: ${result.message}\n${context}`);
          if (c.expect.decision === 'explicitDeny') {
            const denyTypes = result.matchedStatements.filter((s) => s.effect === 'Deny').map((s) => s.policyType);
            assert.ok(denyTypes.includes(c.expect.deniedBy), `deny statements come from ${denyTypes.join(', ')}\n${context}`);
          }
        }
        if (c.expect.message !== undefined) assert.equal(result.message, c.expect.message, context);
      });
    }
  });
}
