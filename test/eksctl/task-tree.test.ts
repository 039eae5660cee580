import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTree } from '../../src/eksctl/task-tree.js';

/** Task descriptions as eksctl prints them (captured from eksctl 0.1xx runs of create/delete iamserviceaccount). */
describe("eksctl's task descriptions", () => {
  it('one iamserviceaccount: a role and a serviceaccount', () => {
    const t = describeTree({ parallel: true, tasks: [{ subTask: true, tasks: ['create IAM role for serviceaccount "kube-system/aws-load-balancer-controller"', 'create serviceaccount "kube-system/aws-load-balancer-controller"'] }] });
    assert.equal(
      t,
      '1 task: { \n    2 sequential sub-tasks: { \n        create IAM role for serviceaccount "kube-system/aws-load-balancer-controller",\n        create serviceaccount "kube-system/aws-load-balancer-controller",\n    } }',
    );
  });

  it('--role-only: a single task on one line', () => {
    assert.equal(describeTree({ parallel: true, tasks: [{ subTask: true, tasks: ['create IAM role for serviceaccount "karpenter/karpenter"'] }] }), '1 task: { create IAM role for serviceaccount "karpenter/karpenter" }');
  });

  it('nothing to do', () => {
    assert.equal(describeTree({ tasks: [] }), 'no tasks');
  });

  it('two top-level tasks, and the plan-mode prefix eksctl gives only multi-task trees', () => {
    assert.equal(describeTree({ tasks: ['a', 'b'], planMode: true }), '(plan) \n2 sequential tasks: { a, b \n}\n');
    assert.equal(describeTree({ tasks: ['a'], planMode: true }), '1 task: { a }');
  });
});
