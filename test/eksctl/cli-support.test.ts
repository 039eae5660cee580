import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError, nameFrom, parseFlags, stringSlice, tagsFlag } from '../../src/eksctl/flags.js';
import { formatLine, timestamp } from '../../src/eksctl/logger.js';
import { kubeconfigSource } from '../../src/eksctl/kube-client.js';

describe('eksctl-style flags and log lines', () => {
  it('accepts --flag value, --flag=value, --bool=false and repeated or comma-separated lists', () => {
    const p = parseFlags(['--cluster=c', '--attach-policy-arn', 'a,b', '--attach-policy-arn=c', '--approve=false', 'sa'], {
      cluster: { type: 'string' },
      'attach-policy-arn': { type: 'string', multiple: true },
      approve: { type: 'boolean' },
    });
    assert.equal(p.values['cluster'], 'c');
    assert.deepEqual(stringSlice(p.values['attach-policy-arn']), ['a', 'b', 'c']);
    assert.equal(p.values['approve'], false);
    assert.deepEqual(p.positionals, ['sa']);
    assert.throws(() => parseFlags(['--nope'], {}), FlagError);
  });

  it('takes a name from a flag or one argument, not both (eksctl ErrFlagAndArg)', () => {
    assert.equal(nameFrom('--name', undefined, ['sa']), 'sa');
    assert.equal(nameFrom('--name', 'sa', []), 'sa');
    assert.throws(() => nameFrom('--name', 'a', ['b']), /--name=a and argument b cannot be used at the same time/);
  });

  it('parses --tags as key=value pairs', () => {
    assert.deepEqual(tagsFlag(['Owner=John Doe,Team=Some Team']), [
      { key: 'Owner', value: 'John Doe' },
      { key: 'Team', value: 'Some Team' },
    ]);
    assert.throws(() => tagsFlag('novalue'), FlagError);
  });

  it('prints `YYYY-MM-DD HH:MM:SS [icon]  message` as eksctl does', () => {
    const at = new Date(2024, 7, 11, 19, 24, 10);
    assert.equal(timestamp(at), '2024-08-11 19:24:10');
    assert.equal(formatLine('info', '1 iamserviceaccount (weasel/weasel-eks-pod-sa) was included', at), '2024-08-11 19:24:10 [ℹ]  1 iamserviceaccount (weasel/weasel-eks-pod-sa) was included\n');
    assert.equal(formatLine('warning', 'w', at), '2024-08-11 19:24:10 [!]  w\n');
    assert.equal(formatLine('success', 's', at), '2024-08-11 19:24:10 [✔]  s\n');
  });

  it('finds the kubeconfig: --kubeconfig, else $KUBECONFIG, else <data-dir>/kubeconfig', () => {
    assert.deepEqual(kubeconfigSource('/k', '/d', { KUBECONFIG: '/e' }), { kind: 'file', path: '/k' });
    assert.deepEqual(kubeconfigSource(undefined, '/d', { KUBECONFIG: '/e' }), { kind: 'env', path: '/e' });
    assert.deepEqual(kubeconfigSource(undefined, '/d', {}), { kind: 'file', path: '/d/kubeconfig' });
  });
});
