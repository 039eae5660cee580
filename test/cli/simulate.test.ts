import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { irsa } from '../support/run-cli.js';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const allowGet = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };
const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('irsa simulate', () => {
  it('decides the shipped walkthrough example', () => {
    const r = irsa(['simulate', 'examples/walkthrough-s3.json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      lines(r.stdout).map((o) => o['decision']),
      ['allowed', 'allowed', 'implicitDeny', 'allowed', 'allowed', 'implicitDeny'],
    );
  });

  it('reads JSON Lines and writes one line per case, with AWS wording for denials', () => {
    const cases = [
      { identity: [allowGet], caller: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' },
      { identity: [JSON.stringify(allowGet)], caller: ALICE, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' },
    ];
    const r = irsa(['simulate'], cases.map((c) => JSON.stringify(c)).join('\n'));
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 2);
    assert.equal(out[0]?.['decision'], 'allowed');
    assert.deepEqual(out[0]?.['matchedStatements'], [{ policyType: 'identity', policyId: 'identity[0]', statementIndex: 0, effect: 'Allow' }]);
    assert.equal(out[1]?.['decision'], 'implicitDeny');
    assert.equal(
      out[1]?.['message'],
      `User: ${ALICE} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:PutObject action`,
    );
  });

  it('names the line and field of a malformed case, keeps going, and exits 2', () => {
    const input = [
      JSON.stringify({ identity: [allowGet], caller: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }),
      JSON.stringify({ identity: [allowGet], caller: ALICE, action: 's3:GetObject', context: [{ key: 'aws:SourceIp', type: 'ipv4', values: ['1.2.3.4'] }] }),
      '{not json',
      JSON.stringify({ identity: [allowGet], action: 's3:GetObject' }),
    ].join('\n');
    const r = irsa(['simulate'], input);
    assert.equal(r.status, 2);
    const out = lines(r.stdout);
    assert.equal(out.length, 4);
    assert.equal(out[0]?.['decision'], 'allowed');
    assert.match(r.stderr, /line 2: context\[0\]\.type: `type` must be one of string, stringList/);
    assert.match(r.stderr, /line 3: \(json\): not valid JSON/);
    assert.match(r.stderr, /line 4: caller: `caller` is required/);
    assert.deepEqual((out[3]?.['error'] as Record<string, unknown>)['field'], 'caller');
  });

  it("reports an invalid policy with IAM's code and message", () => {
    const bad = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] };
    const r = irsa(['simulate'], JSON.stringify({ identity: [allowGet, bad], caller: ALICE, action: 's3:GetObject' }));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /line 1: identity\[1\]: MalformedPolicyDocument: Policy statement must contain resources\./);
  });

  it('explains statement by statement, with a resource-type hint', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'Objects', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: 'arn:aws:s3:::b/*' }] };
    const r = irsa(['simulate', '--explain'], JSON.stringify({ identity: [policy], caller: ALICE, action: 's3:ListBucket', resource: 'arn:aws:s3:::b' }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /decision: implicitDeny/);
    assert.match(r.stdout, /identity\[0\] statement 0 \(Objects\) Allow: does not apply/);
    assert.match(r.stdout, /✗ Resource arn:aws:s3:::b\/\*/);
    assert.match(r.stdout, /hint: s3:ListBucket applies to .*bucket \(arn:\$\{Partition\}:s3:::\$\{BucketName\}\); this Resource names none of them/);
  });

  it('warns about unknown actions', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObjekt', Resource: '*' }] };
    const r = irsa(['simulate'], JSON.stringify({ identity: [policy], caller: ALICE, action: 's3:GetObject' }));
    assert.deepEqual(lines(r.stdout)[0]?.['warnings'], ['identity[0]: `s3:GetObjekt` is not a known s3 action']);
  });

  it('fills in the default context keys unless --no-defaults', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' }] };
    const c = JSON.stringify({ identity: [policy], caller: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/alice/x' });
    assert.equal(lines(irsa(['simulate'], c).stdout)[0]?.['decision'], 'allowed');
    assert.equal(lines(irsa(['simulate', '--no-defaults'], c).stdout)[0]?.['decision'], 'implicitDeny');
  });

  it('uses --now for aws:CurrentTime', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } }] };
    const c = JSON.stringify({ identity: [policy], caller: ALICE, action: 's3:GetObject' });
    assert.equal(lines(irsa(['simulate', '--now', '2019-06-01T00:00:00Z'], c).stdout)[0]?.['decision'], 'allowed');
    assert.equal(lines(irsa(['simulate', '--now', '2021-06-01T00:00:00Z'], c).stdout)[0]?.['decision'], 'implicitDeny');
    assert.equal(irsa(['simulate', '--now', 'yesterday'], c).status, 2);
  });
});
