import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tabTable } from '../../src/eksctl/table.js';
import { formatIamServiceAccounts } from '../../src/eksctl/get.js';
import { toYaml } from '../../src/eksctl/yaml.js';

describe('eksctl get iamserviceaccount output', () => {
  it('aligns columns with tabs as Go tabwriter (tabwidth 8, padding 1, padchar \\t) does for eksctl', () => {
    // Captured `eksctl get iamserviceaccount` output: "NAMESPACE\tNAME\t\t\t\tROLE ARN".
    const out = tabTable([
      ['NAMESPACE', 'NAME', 'ROLE ARN'],
      ['kube-system', 'aws-load-balancer-controller', 'arn:aws:iam::180789647333:role/eksctl-eksdemo1-addon-iamserviceaccount-kube-Role1-1244GWMVEAKEN'],
    ]);
    assert.equal(out, 'NAMESPACE\tNAME\t\t\t\tROLE ARN\nkube-system\taws-load-balancer-controller\tarn:aws:iam::180789647333:role/eksctl-eksdemo1-addon-iamserviceaccount-kube-Role1-1244GWMVEAKEN\n');
  });

  it('prints a ClusterConfig for -o json and -o yaml', () => {
    const entries = [{ namespace: 'weasel', name: 'weasel-eks-pod-sa', roleArn: 'arn:aws:iam::123456789012:role/weasel-eks-pod-role', roleName: 'weasel-eks-pod-role', attachPolicyARNs: ['arn:aws:iam::123456789012:policy/p'] }];
    const json = JSON.parse(formatIamServiceAccounts(entries, 'json', 'weasel-eks', 'us-east-1')) as { kind: string; iam: { serviceAccounts: { metadata: { name: string }; status: { roleARN: string } }[] } };
    assert.equal(json.kind, 'ClusterConfig');
    assert.equal(json.iam.serviceAccounts[0]?.metadata.name, 'weasel-eks-pod-sa');
    assert.equal(json.iam.serviceAccounts[0]?.status.roleARN, 'arn:aws:iam::123456789012:role/weasel-eks-pod-role');
    assert.equal(
      formatIamServiceAccounts(entries, 'yaml', 'weasel-eks', 'us-east-1'),
      [
        'apiVersion: eksctl.io/v1alpha5',
        'kind: ClusterConfig',
        'metadata:',
        '  name: weasel-eks',
        '  region: us-east-1',
        'iam:',
        '  withOIDC: true',
        '  serviceAccounts:',
        '  - metadata:',
        '      name: weasel-eks-pod-sa',
        '      namespace: weasel',
        '    attachPolicyARNs:',
        '    - arn:aws:iam::123456789012:policy/p',
        '    roleName: weasel-eks-pod-role',
        '    status:',
        '      roleARN: arn:aws:iam::123456789012:role/weasel-eks-pod-role',
        '',
      ].join('\n'),
    );
  });

  it('quotes YAML strings that would read as something else', () => {
    assert.equal(toYaml({ a: 'true', b: '123', c: 'x: y', d: '', e: 'plain-value', f: [] }), 'a: "true"\nb: "123"\nc: "x: y"\nd: ""\ne: plain-value\nf: []\n');
  });
});
