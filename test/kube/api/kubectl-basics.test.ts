// The real kubectl (/usr/bin/kubectl, the GKE dispatcher running kubectl 1.32) against the
// embedded API: namespaces, ServiceAccounts, annotate, describe, TokenRequest, ConfigMaps and
// Secrets (protobuf request bodies), and the apiserver's error messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwtPayload, startKubeApi, type KubeApiHarness } from '../../support/kube.js';

const ROLE = 'arn:aws:iam::111122223333:role/my-role';

/** Table output as rows of whitespace-separated cells (header first). */
function rows(out: string): string[][] {
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('kubectl: namespaces, serviceaccounts, tokens, configmaps, secrets', () => {
  let k: KubeApiHarness;
  before(async () => {
    k = await startKubeApi();
  });
  after(async () => k.close());

  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const r = await k.kubectl(args, { stdin });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (args: string[]): Promise<string> => {
    const r = await k.kubectl(args);
    assert.notEqual(r.status, 0, `kubectl ${args.join(' ')} should fail`);
    return r.stderr.trim();
  };

  it('create namespace (protobuf body) and get ns', async () => {
    assert.equal((await ok(['create', 'namespace', 'demo'])).trim(), 'namespace/demo created');
    const table = rows(await ok(['get', 'ns']));
    assert.deepEqual(table[0], ['NAME', 'STATUS', 'AGE']);
    const names = table.slice(1).map((r) => r[0]);
    for (const n of ['default', 'demo', 'kube-public', 'kube-system']) assert.ok(names.includes(n), `namespace ${n} listed`);
    assert.deepEqual(table.find((r) => r[0] === 'demo')?.slice(1, 2), ['Active']);
    const ns = JSON.parse(await ok(['get', 'namespace', 'demo', '-o', 'json'])) as { metadata: { labels: Record<string, string>; uid: string }; status: { phase: string }; kind: string };
    assert.equal(ns.kind, 'Namespace');
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'demo');
    assert.equal(ns.status.phase, 'Active');
    assert.match(ns.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal(await fails(['create', 'namespace', 'demo']), 'Error from server (AlreadyExists): namespaces "demo" already exists');
  });

  it('create serviceaccount, get serviceaccount / get sa', async () => {
    assert.equal((await ok(['create', 'serviceaccount', 'my-sa', '-n', 'demo'])).trim(), 'serviceaccount/my-sa created');
    const table = rows(await ok(['get', 'serviceaccount', '-n', 'demo']));
    assert.deepEqual(table[0], ['NAME', 'SECRETS', 'AGE']);
    // The ServiceAccount controller's `default` SA exists in every namespace.
    assert.deepEqual(
      table.slice(1).map((r) => r.slice(0, 2)),
      [
        ['default', '0'],
        ['my-sa', '0'],
      ],
    );
    const one = rows(await ok(['get', 'sa', 'my-sa', '-n', 'demo']));
    assert.equal(one.length, 2);
    assert.match(one[1]?.join(' ') ?? '', /^my-sa 0 \d+s$/);
    assert.equal(await fails(['create', 'serviceaccount', 'my-sa', '-n', 'demo']), 'error: failed to create serviceaccount: serviceaccounts "my-sa" already exists');
    assert.equal(await fails(['get', 'sa', 'nosuch', '-n', 'demo']), 'Error from server (NotFound): serviceaccounts "nosuch" not found');
    assert.match(await fails(['create', 'serviceaccount', 'x', '-n', 'nope']), /namespaces "nope" not found/);
  });

  it('annotate serviceaccount: add, refuse without --overwrite, overwrite, remove; describe shows it', async () => {
    assert.equal((await ok(['annotate', 'serviceaccount', '-n', 'demo', 'my-sa', `eks.amazonaws.com/role-arn=${ROLE}`])).trim(), 'serviceaccount/my-sa annotated');
    const described = await ok(['describe', 'serviceaccount', '-n', 'demo', 'my-sa']);
    assert.match(described, /^Name:\s+my-sa$/m);
    assert.match(described, /^Namespace:\s+demo$/m);
    assert.match(described, new RegExp(`^Annotations:\\s+eks\\.amazonaws\\.com/role-arn: ${ROLE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    assert.match(described, /^Events:\s+<none>$/m);
    assert.match(await fails(['annotate', 'sa', '-n', 'demo', 'my-sa', 'eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/other']), /--overwrite is false but found the following declared annotation\(s\): 'eks.amazonaws.com\/role-arn' already has a value/);
    await ok(['annotate', 'sa', '-n', 'demo', 'my-sa', '--overwrite', 'eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/other']);
    await ok(['annotate', 'sa', '-n', 'demo', 'my-sa', 'extra=1']);
    let sa = JSON.parse(await ok(['get', 'sa', 'my-sa', '-n', 'demo', '-o', 'json'])) as { metadata: { annotations: Record<string, string> } };
    assert.deepEqual(sa.metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/other', extra: '1' });
    await ok(['annotate', 'sa', '-n', 'demo', 'my-sa', 'extra-']);
    sa = JSON.parse(await ok(['get', 'sa', 'my-sa', '-n', 'demo', '-o', 'json'])) as typeof sa;
    assert.deepEqual(sa.metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/other' });
    await ok(['label', 'sa', '-n', 'demo', 'my-sa', 'app.kubernetes.io/managed-by=eksctl']);
    assert.match(await ok(['describe', 'sa', '-n', 'demo', 'my-sa']), /^Labels:\s+app\.kubernetes\.io\/managed-by=eksctl$/m);
  });

  it('create token (protobuf TokenRequest) → a JWT for the ServiceAccount and audience', async () => {
    const token = await ok(['create', 'token', 'my-sa', '-n', 'demo', '--audience', 'sts.amazonaws.com']);
    assert.doesNotMatch(token, /\n/, 'no trailing newline when stdout is not a TTY');
    const claims = decodeJwtPayload(token);
    assert.equal(claims['sub'], 'system:serviceaccount:demo:my-sa');
    assert.deepEqual(claims['aud'], ['sts.amazonaws.com']);
    assert.equal(claims['iss'], k.issuer.issuerUrl);
    assert.equal(Number(claims['exp']) - Number(claims['iat']), 3600);
    const sa = JSON.parse(await ok(['get', 'sa', 'my-sa', '-n', 'demo', '-o', 'json'])) as { metadata: { uid: string } };
    assert.equal((claims['kubernetes.io'] as { serviceaccount: { uid: string } }).serviceaccount.uid, sa.metadata.uid);

    // Defaults: the issuer URL as audience; --duration is honoured.
    const plain = decodeJwtPayload(await ok(['create', 'token', 'my-sa', '-n', 'demo', '--duration', '2h']));
    assert.deepEqual(plain['aud'], [k.issuer.issuerUrl]);
    assert.equal(Number(plain['exp']) - Number(plain['iat']), 7200);

    const yaml = await ok(['create', 'token', 'my-sa', '-n', 'demo', '--audience', 'a', '--audience', 'b', '-o', 'json']);
    const tr = JSON.parse(yaml) as { kind: string; spec: { audiences: string[]; expirationSeconds: number }; status: { token: string; expirationTimestamp: string } };
    assert.equal(tr.kind, 'TokenRequest');
    assert.deepEqual(tr.spec.audiences, ['a', 'b']);
    assert.equal(tr.spec.expirationSeconds, 3600);
    assert.match(tr.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    assert.equal(await fails(['create', 'token', 'nosuch', '-n', 'demo']), 'error: failed to create token: serviceaccounts "nosuch" not found');
    assert.match(await fails(['create', 'token', 'my-sa', '-n', 'demo', '--duration', '1m']), /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
  });

  it('create token bound to a pod carries the pod name and uid', async () => {
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: demo}\nspec: {serviceAccountName: my-sa, containers: [{name: app, image: busybox}]}\n');
    const pod = JSON.parse(await ok(['get', 'pod', 'app', '-n', 'demo', '-o', 'json'])) as { metadata: { uid: string } };
    const claims = decodeJwtPayload(await ok(['create', 'token', 'my-sa', '-n', 'demo', '--bound-object-kind', 'Pod', '--bound-object-name', 'app']));
    assert.deepEqual((claims['kubernetes.io'] as { pod: unknown }).pod, { name: 'app', uid: pod.metadata.uid });
    assert.match(await fails(['create', 'token', 'my-sa', '-n', 'demo', '--bound-object-kind', 'Pod', '--bound-object-name', 'ghost']), /pods "ghost" not found/);
    assert.match(await fails(['create', 'token', 'default', '-n', 'demo', '--bound-object-kind', 'Pod', '--bound-object-name', 'app']), /different serviceaccount/);
  });

  it('create configmap / create secret generic (protobuf) and get them', async () => {
    assert.equal((await ok(['create', 'configmap', 'cm1', '-n', 'demo', '--from-literal=a=b', '--from-literal=c=d'])).trim(), 'configmap/cm1 created');
    assert.equal((await ok(['create', 'secret', 'generic', 's1', '-n', 'demo', '--from-literal=k=v'])).trim(), 'secret/s1 created');
    const cm = JSON.parse(await ok(['get', 'cm', 'cm1', '-n', 'demo', '-o', 'json'])) as { data: Record<string, string> };
    assert.deepEqual(cm.data, { a: 'b', c: 'd' });
    const s = JSON.parse(await ok(['get', 'secret', 's1', '-n', 'demo', '-o', 'json'])) as { data: Record<string, string>; type: string };
    assert.deepEqual(s.data, { k: Buffer.from('v').toString('base64') });
    assert.equal(s.type, 'Opaque');
    const cms = rows(await ok(['get', 'configmaps', '-n', 'demo']));
    assert.deepEqual(cms[0], ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(cms[1]?.slice(0, 2), ['cm1', '2']);
    const secrets = rows(await ok(['get', 'secrets', '-n', 'demo']));
    assert.deepEqual(secrets[0], ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual(secrets[1]?.slice(0, 3), ['s1', 'Opaque', '1']);
    await ok(['create', 'secret', 'generic', 's2', '-n', 'demo', '--type=kubernetes.io/basic-auth', '--from-literal=username=u', '--from-literal=password=p']);
    assert.match(await ok(['get', 'secret', 's2', '-n', 'demo']), /s2\s+kubernetes\.io\/basic-auth\s+2\s/);
    assert.equal(await fails(['create', 'configmap', 'cm1', '-n', 'demo']), 'error: failed to create configmap: configmaps "cm1" already exists');
  });

  it('delete namespace removes it and everything in it; system namespaces are protected', async () => {
    await ok(['create', 'namespace', 'scratch']);
    await ok(['create', 'sa', 'tmp', '-n', 'scratch']);
    await ok(['create', 'cm', 'c', '-n', 'scratch', '--from-literal=x=y']);
    assert.equal((await ok(['delete', 'namespace', 'scratch'])).trim(), 'namespace "scratch" deleted');
    assert.equal(await fails(['get', 'ns', 'scratch']), 'Error from server (NotFound): namespaces "scratch" not found');
    const r = await k.kubectl(['get', 'sa', '-n', 'scratch']);
    assert.equal(r.status, 0);
    assert.equal(r.stderr.trim(), 'No resources found in scratch namespace.');
    assert.equal(await fails(['delete', 'namespace', 'kube-system']), 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted');
    // Re-creating starts empty except for the default ServiceAccount.
    await ok(['create', 'namespace', 'scratch']);
    assert.deepEqual(rows(await ok(['get', 'sa', '-n', 'scratch', '-o', 'name'])), [['serviceaccount/default']]);
  });

  it('short names and -A work; names are validated', async () => {
    assert.match(await ok(['get', 'po,sa,cm', '-A']), /demo\s+serviceaccount\/my-sa/);
    assert.match(
      await fails(['create', 'namespace', 'Bad_NS']),
      /The Namespace "Bad_NS" is invalid: metadata\.name: Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'/,
    );
  });
});
