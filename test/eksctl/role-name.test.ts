import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatedRoleName, isValidRoleName, randomSuffix, stackName, SUFFIX_LENGTH } from '../../src/eksctl/role-name.js';

describe('eksctl role names', () => {
  it('names the iamserviceaccount stack as eksctl does', () => {
    assert.equal(stackName('weasel-eks', 'weasel', 'weasel-eks-pod-sa'), 'eksctl-weasel-eks-addon-iamserviceaccount-weasel-weasel-eks-pod-sa');
  });

  it('generates <stack cut to 44>-Role1-<13> like the roles CloudFormation made for eksctl', () => {
    // Observed: eksctl-eksdemo1-addon-iamserviceaccount-kube-Role1-1244GWMVEAKEN for
    // kube-system/aws-load-balancer-controller in cluster eksdemo1.
    const name = generatedRoleName(stackName('eksdemo1', 'kube-system', 'aws-load-balancer-controller'), '1244GWMVEAKEN');
    assert.equal(name, 'eksctl-eksdemo1-addon-iamserviceaccount-kube-Role1-1244GWMVEAKEN');
    assert.equal(name.length, 64);
  });

  it('keeps a short stack name whole and never exceeds 64 characters', () => {
    assert.equal(generatedRoleName('eksctl-c-addon-iamserviceaccount-a-b', 'ABCDEFGHIJKLM'), 'eksctl-c-addon-iamserviceaccount-a-b-Role1-ABCDEFGHIJKLM');
    for (const len of [1, 30, 44, 45, 100, 300]) {
      const n = generatedRoleName(stackName('c'.repeat(len), 'ns', 'sa'), 'ABCDEFGHIJKLM');
      assert.ok(n.length <= 64, n);
      assert.ok(isValidRoleName(n), n);
      assert.match(n, /-Role1-ABCDEFGHIJKLM$/);
    }
  });

  it('draws suffixes of 13 upper-case letters and digits', () => {
    const s = randomSuffix((n) => Uint8Array.from({ length: n }, (_, i) => i * 37));
    assert.equal(s.length, SUFFIX_LENGTH);
    assert.match(s, /^[A-Z0-9]{13}$/);
  });

  it('checks role names as IAM does', () => {
    assert.ok(isValidRoleName('weasel-eks-pod-role'));
    assert.ok(!isValidRoleName('has space'));
    assert.ok(!isValidRoleName('x'.repeat(65)));
  });
});
