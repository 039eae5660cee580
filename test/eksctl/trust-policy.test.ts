import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issuerHostPath, oidcProviderArn, parseClusterArn, trustPolicy } from '../../src/eksctl/trust-policy.js';

describe('eksctl trust policy', () => {
  it('is exactly what `aws iam get-role --query Role.AssumeRolePolicyDocument` shows in the walkthrough', () => {
    // The walkthrough's output (../shared/seed/irsa-walkthrough.txt, step 3.1), with its issuer id.
    const walkthrough = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": "arn:aws:iam::393035689023:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/8Dxxx1CDxxxBFFxxx757xxxC95xxxD86"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/8Dxxx1CDxxxBFFxxx757xxxC95xxxD86:aud": "sts.amazonaws.com",
                    "oidc.eks.us-east-1.amazonaws.com/id/8Dxxx1CDxxxBFFxxx757xxxC95xxxD86:sub": "system:serviceaccount:weasel:weasel-eks-pod-sa"
                }
            }
        }
    ]
}`;
    const hostPath = issuerHostPath('https://oidc.eks.us-east-1.amazonaws.com/id/8Dxxx1CDxxxBFFxxx757xxxC95xxxD86');
    const doc = trustPolicy(oidcProviderArn('aws', '393035689023', hostPath), hostPath, 'weasel', 'weasel-eks-pod-sa');
    // Same keys in the same order, same values: the text round-trips.
    assert.equal(JSON.stringify(doc, null, 4), walkthrough);
  });

  it('keys the provider and the condition keys by the issuer without its scheme, port included', () => {
    assert.equal(issuerHostPath('https://127.0.0.1:4443/id/ABC'), '127.0.0.1:4443/id/ABC');
    assert.equal(oidcProviderArn('aws', '123456789012', '127.0.0.1:4443/id/ABC'), 'arn:aws:iam::123456789012:oidc-provider/127.0.0.1:4443/id/ABC');
    const doc = trustPolicy('arn:aws:iam::123456789012:oidc-provider/127.0.0.1:4443/id/ABC', '127.0.0.1:4443/id/ABC', 'ns', 'sa');
    assert.deepEqual(Object.keys(doc.Statement[0].Condition.StringEquals), ['127.0.0.1:4443/id/ABC:aud', '127.0.0.1:4443/id/ABC:sub']);
  });

  it('refuses an issuer that is not https, as eksctl does', () => {
    assert.throws(() => issuerHostPath('http://127.0.0.1/id/X'), /unsupported URL scheme/);
  });

  it('reads partition, region, account and name from a cluster ARN', () => {
    assert.deepEqual(parseClusterArn('arn:aws:eks:us-east-1:123456789012:cluster/weasel-eks'), { partition: 'aws', region: 'us-east-1', account: '123456789012', name: 'weasel-eks' });
    assert.deepEqual(parseClusterArn('arn:aws-cn:eks:cn-north-1:123456789012:cluster/c')?.partition, 'aws-cn');
    assert.equal(parseClusterArn('arn:aws:iam::123456789012:role/x'), undefined);
  });
});
