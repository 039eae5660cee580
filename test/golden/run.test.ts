/**
 * Golden wire fixtures for every IAM and STS operation irsa-local implements.
 *
 * The scenario (scenario.ts) drives an in-process server with raw SigV4-signed query requests;
 * every response is compared with its committed fixture in test/golden/fixtures
 * (`<Operation>.<case>.xml`: status line, selected headers, indented body, volatile values
 * normalized). `UPDATE_GOLDEN=1 node scripts/run-tests.mjs golden` rewrites them.
 *
 * Independently of the fixtures, every response is read by botocore's own QueryParser with the
 * service model botocore ships (botocore_check.py, one python3 process for all): success bodies
 * must parse, have every required member and no member botocore would drop, the documented
 * envelope (`<Op>Response xmlns=…`, `<Op>Result` exactly when the model has a result wrapper,
 * `ResponseMetadata/RequestId`), whole-second timestamps and RFC 3986 URL-encoded policy
 * documents; error bodies must be the query error envelope with the expected Code, Message and
 * Type, and the HTTP status the model gives that code (or the protocol's, for common errors).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { iamOperations } from '../../src/iam/operations.js';
import type { IamEnv } from '../../src/iam/env.js';
import type { PolicyCache } from '../../src/iam/principal-policies.js';
import { IAM_MODEL } from '../../src/wire/models/iam.js';
import { STS_MODEL } from '../../src/wire/models/sts.js';
import { repoRoot } from '../support/shared.js';
import { lineDiff } from './diff.js';
import type { RecordedCase } from './recorder.js';
import { runScenario } from './scenario.js';

const FIXTURES = join(repoRoot, 'test/golden/fixtures');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** Errors every query-protocol operation can return without its model listing them. */
const COMMON_ERRORS: Readonly<Record<string, number>> = {
  ValidationError: 400,
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  ExpiredToken: 403,
  InvalidAction: 400,
};

const STS_OPERATIONS = ['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity'];

/** Fixtures the brief names explicitly: documented errors and quotas. */
const REQUIRED_FIXTURES = [
  'CreateRole.EntityAlreadyExists', // different-case name
  'CreateUser.EntityAlreadyExists',
  'CreatePolicy.EntityAlreadyExists',
  'CreateOpenIDConnectProvider.EntityAlreadyExists',
  'DeleteRole.DeleteConflict-attached',
  'DeleteRole.DeleteConflict-inline',
  'DeleteUser.DeleteConflict-access-keys',
  'DeleteUser.DeleteConflict-attached',
  'DeleteUser.DeleteConflict-inline',
  'DeletePolicy.DeleteConflict-attached',
  'DeletePolicy.DeleteConflict-versions',
  'DeletePolicy.DeleteConflict-boundary',
  'DeletePolicyVersion.DeleteConflict',
  'CreatePolicyVersion.LimitExceeded', // 5 versions
  'AttachRolePolicy.LimitExceeded', // 10 attachments
  'CreateAccessKey.LimitExceeded', // 2 keys
  'AddClientIDToOpenIDConnectProvider.LimitExceeded', // 100 client ids
  'CreateOpenIDConnectProvider.LimitExceeded',
  'PutRolePolicy.LimitExceeded', // inline size
  'PutUserPolicy.LimitExceeded',
  'CreatePolicy.LimitExceeded',
  'CreateRole.LimitExceeded',
  'CreateOpenIDConnectProvider.InvalidInput', // > 5 thumbprints
  'UpdateOpenIDConnectProviderThumbprint.InvalidInput',
  'CreatePolicy.MalformedPolicyDocument',
  'CreateRole.MalformedPolicyDocument',
  'CreateRole.ValidationError',
  'CreateRole.AccessDenied',
  'GetRole.AccessDenied-explicit-deny',
  'GetCallerIdentity.MissingAuthenticationToken',
  'GetCallerIdentity.InvalidClientTokenId',
  'ListUsers.SignatureDoesNotMatch',
  'GetCallerIdentity.IncompleteSignature',
  'GetCallerIdentity.ExpiredToken',
  'FrobnicateRoles.InvalidAction',
];

interface BotocoreResult {
  problems: string[];
  error?: { Code: string | null; Message: string | null; Type: string | null; RequestId: string | null };
  modelled?: { shape: string; status: number | null; senderFault: boolean } | null;
  anyModel?: { shape: string; status: number | null; senderFault: boolean } | null;
  exception?: string;
}

function botocore(cases: readonly RecordedCase[]): Record<string, BotocoreResult> {
  const input = cases.map((c) => ({ id: c.file, service: c.service, operation: c.operation, status: c.response.status, headers: c.response.headers, body: c.response.body }));
  const r = spawnSync('python3', [join(repoRoot, 'test/golden/botocore_check.py')], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`botocore_check.py failed (${String(r.status)}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, BotocoreResult>;
}

const botocoreMissing = spawnSync('python3', ['-c', 'import botocore'], { encoding: 'utf8' }).status === 0 ? undefined : 'python3 with botocore is not installed';
const run = await runScenario();
const checked = botocoreMissing ? undefined : botocore(run.cases);

if (UPDATE) {
  mkdirSync(FIXTURES, { recursive: true });
  const produced = new Set(run.cases.map((c) => c.file));
  for (const f of readdirSync(FIXTURES)) if (f.endsWith('.xml') && !produced.has(f)) unlinkSync(join(FIXTURES, f));
  for (const c of run.cases) writeFileSync(join(FIXTURES, c.file), c.fixture);
}

describe('golden wire fixtures', () => {
  it('the server logged no internal errors', () => {
    assert.deepEqual(run.serverErrors, []);
  });

  it('cover every IAM operation the server implements and the three STS operations, each with a success', () => {
    const implemented = Object.keys(iamOperations({} as IamEnv, {} as PolicyCache));
    const ok = new Set(run.cases.filter((c) => c.response.status === 200).map((c) => c.operation));
    const missing = [...implemented, ...STS_OPERATIONS].filter((op) => !ok.has(op));
    assert.deepEqual(missing, [], 'operations without a success fixture');
    // Every operation the server implements is in the wire model, and the other way round.
    assert.deepEqual(Object.keys(IAM_MODEL.operations).sort(), [...implemented].sort());
    for (const op of STS_OPERATIONS) assert.ok(STS_MODEL.operations[op], op);
  });

  it('cover the documented errors', () => {
    const files = new Set(run.cases.map((c) => c.file.replace(/\.xml$/, '')));
    assert.deepEqual(
      REQUIRED_FIXTURES.filter((f) => !files.has(f)),
      [],
    );
    // Every operation whose model lists one of these errors has a fixture showing it.
    const have = new Set(run.cases.filter((c) => c.expect.code).map((c) => `${c.operation}:${c.expect.code}`));
    const missing: string[] = [];
    for (const [model, codes] of [
      [IAM_MODEL, ['NoSuchEntity', 'EntityAlreadyExists', 'DeleteConflict', 'MalformedPolicyDocument']],
      [STS_MODEL, ['MalformedPolicyDocument', 'PackedPolicyTooLarge', 'InvalidIdentityToken', 'ExpiredTokenException']],
    ] as const) {
      for (const [op, m] of Object.entries(model.operations)) {
        if (model === STS_MODEL && !STS_OPERATIONS.includes(op)) continue;
        for (const shape of m.errors) {
          const code = model.shapes[shape]?.error?.code ?? shape.replace(/Exception$/, '');
          // AssumeRole's model lists ExpiredTokenException, but an expired caller gets the
          // authentication error ExpiredToken (GetCallerIdentity.ExpiredToken).
          if (op === 'AssumeRole' && code === 'ExpiredTokenException') continue;
          if ((codes as readonly string[]).includes(code) && !have.has(`${op}:${code}`)) missing.push(`${op}:${code}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('fixture files match the scenario exactly (none stale, none missing)', () => {
    const produced = run.cases.map((c) => c.file).sort();
    const onDisk = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.xml')).sort() : [];
    assert.deepEqual(
      onDisk.filter((f) => !produced.includes(f)),
      [],
      'stale fixtures (run with UPDATE_GOLDEN=1 to remove them)',
    );
    assert.deepEqual(
      produced.filter((f) => !onDisk.includes(f)),
      [],
      'missing fixtures (run with UPDATE_GOLDEN=1 to write them)',
    );
  });

  it('botocore reads every response', { skip: botocoreMissing }, () => {
    assert.deepEqual(Object.keys(checked ?? {}).sort(), run.cases.map((c) => c.file).sort());
  });

  for (const c of run.cases) {
    it(c.file, () => {
      const file = join(FIXTURES, c.file);
      if (!UPDATE) {
        assert.ok(existsSync(file), `no fixture ${c.file}: run with UPDATE_GOLDEN=1 to write it`);
        const expected = readFileSync(file, 'utf8');
        if (expected !== c.fixture) assert.fail(`${c.file} differs from the response (UPDATE_GOLDEN=1 rewrites fixtures):\n${lineDiff(expected, c.fixture)}`);
      }
      if (!checked) return;
      const b = checked[c.file];
      assert.ok(b, 'botocore checked it');
      assert.deepEqual(b.problems, [], 'what botocore / the documented shape would not accept');

      if (!c.expect.code) {
        assert.equal(c.response.status, 200, `expected success, got ${c.response.status}: ${c.response.body}`);
      } else {
        const e = b.error;
        assert.ok(e, `expected ${c.expect.code}, got ${c.response.status}: ${c.response.body}`);
        assert.equal(e.Code, c.expect.code, `code (message: ${e.Message ?? ''})`);
        if (typeof c.expect.message === 'string') assert.equal(e.Message, c.expect.message);
        else if (c.expect.message) assert.match(e.Message ?? '', c.expect.message);
        const modelled = b.modelled ?? (c.expect.unmodelled ? b.anyModel : undefined);
        const status = modelled?.status ?? COMMON_ERRORS[e.Code ?? ''];
        assert.ok(
          status !== undefined,
          `${e.Code ?? ''} is not an error the ${c.operation} model lists, nor a common one; annotate the case with why AWS sends it`,
        );
        assert.equal(c.response.status, status, `HTTP status of ${e.Code ?? ''}`);
        if (b.modelled) assert.equal(b.exception, b.modelled.shape, 'botocore raises the modelled exception');
      }
    });
  }
});
