import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestContext } from '../../../src/policy/context.js';
import { authorize, compilePolicy, PolicySet, validatePolicy } from '../../../src/policy/index.js';

describe('request context layered on a shared base (the caller’s keys, built once per caller)', () => {
  const base = new RequestContext([
    { key: 'aws:PrincipalArn', values: ['arn:aws:iam::123456789012:role/app'] },
    { key: 'aws:PrincipalTag/team', values: ['blue'] },
  ]);

  it('sees the base’s keys case-insensitively, and its own over the base’s', () => {
    const ctx = new RequestContext([{ key: 'aws:PrincipalTag/Team', values: ['red'] }], base);
    assert.deepEqual(ctx.get('aws:principalarn')?.values, ['arn:aws:iam::123456789012:role/app']);
    assert.ok(ctx.has('AWS:PRINCIPALARN'));
    assert.deepEqual(ctx.get('aws:principaltag/team')?.values, ['red']);
    assert.deepEqual(
      [...ctx.entries()].map((e) => `${e.key}=${e.values.join()}`),
      ['aws:PrincipalArn=arn:aws:iam::123456789012:role/app', 'aws:PrincipalTag/Team=red'],
    );
  });

  it('never writes through to the base: one request’s keys do not leak into the next', () => {
    const one = new RequestContext([], base);
    one.set('aws:SourceIp', ['10.0.0.1'], 'ip');
    one.setDefault('aws:PrincipalArn', ['ignored']);
    const two = new RequestContext([], base);
    assert.equal(two.get('aws:sourceip'), undefined);
    assert.equal(base.get('aws:sourceip'), undefined);
    assert.deepEqual(one.get('aws:principalarn')?.values, ['arn:aws:iam::123456789012:role/app'], 'setDefault keeps the base value');
  });

  it('conditions evaluate against base keys like any other', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } }],
    };
    const policy = compilePolicy(validatePolicy(JSON.stringify(doc), 'identity'), 'identity', 'p');
    const ask = (ctx: RequestContext) =>
      authorize(
        { principal: { kind: 'assumedRole', id: 'arn:aws:sts::123456789012:assumed-role/app/s', account: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/app', sessionName: 's' }, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: ctx },
        { identity: new PolicySet([policy]) },
      ).decision;
    assert.equal(ask(new RequestContext([], base)), 'allowed');
    assert.equal(ask(new RequestContext([{ key: 'aws:PrincipalTag/team', values: ['red'] }], base)), 'implicitDeny');
  });
});
