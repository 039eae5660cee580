import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeStatusError } from '../../../src/kube/api/errors.js';
import { EVENTS, PODS } from '../../../src/kube/api/resources.js';
import { checkFieldSelector, fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector } from '../../../src/kube/api/selectors.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/x': 'y' };
  const cases: [string, boolean][] = [
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['tier in (front, back)', true],
    ['tier notin (front)', false],
    ['missing notin (a)', true],
    ['example.com/x', true],
    ['!example.com/x', false],
    ['!missing', true],
    ['app in (web),!missing,tier', true],
  ];
  for (const [sel, want] of cases) it(`${sel} → ${want}`, () => assert.equal(labelsMatch(parseLabelSelector(sel), labels), want));
  it('rejects garbage with 400', () => assert.throws(() => parseLabelSelector('a b c'), (e: unknown) => e instanceof KubeStatusError && e.code === 400));
});

describe('field selectors', () => {
  const ev = { involvedObject: { kind: 'Pod', name: 'app', namespace: 'demo', uid: 'u1' }, reason: 'Started', metadata: { name: 'app.1', namespace: 'demo' } };
  it('matches event terms in any order (describe sends them shuffled)', () => {
    const a = parseFieldSelector('involvedObject.name=app,involvedObject.namespace=demo,involvedObject.uid=u1');
    const b = parseFieldSelector('involvedObject.uid=u1,involvedObject.name=app,involvedObject.namespace=demo');
    assert.equal(fieldsMatch(EVENTS, a, ev), true);
    assert.equal(fieldsMatch(EVENTS, b, ev), true);
    assert.equal(fieldsMatch(EVENTS, parseFieldSelector('involvedObject.name=other'), ev), false);
    assert.equal(fieldsMatch(EVENTS, parseFieldSelector('involvedObject.kind!=Pod'), ev), false);
    assert.equal(fieldsMatch(EVENTS, parseFieldSelector('involvedObject.fieldPath='), ev), true);
  });
  it('pods: metadata.name, spec.nodeName, status.phase', () => {
    const pod = { metadata: { name: 'p', namespace: 'n' }, spec: { nodeName: 'node' }, status: { phase: 'Running' } };
    assert.equal(fieldsMatch(PODS, parseFieldSelector('metadata.name=p,spec.nodeName=node,status.phase==Running'), pod), true);
    assert.equal(fieldsMatch(PODS, parseFieldSelector('status.phase!=Running'), pod), false);
  });
  it('unsupported field labels are 400s', () => {
    assert.throws(() => checkFieldSelector(PODS, parseFieldSelector('spec.foo=bar')), /field label not supported: spec\.foo/);
  });
});
