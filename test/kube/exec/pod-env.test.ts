import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { PodRunnerError } from '../../../src/kube/exec/errors.js';
import { parseQuantity } from '../../../src/kube/exec/field-ref.js';
import { buildPodEnv, expandVars, selectContainer, type ObjectResolver, type PodEnvOptions } from '../../../src/kube/exec/pod-env.js';
import { hostPathOf } from '../../../src/kube/exec/projected-volumes.js';
import { IRSA_TOKEN_PATH, ROLE_ARN, irsaPod, mutatedFixturePods } from './fixtures.js';

const POD_DIR = '/data/pods/default/balajilovesoreos';
const BASE: PodEnvOptions = {
  podDir: POD_DIR,
  awsEndpointUrl: 'http://127.0.0.1:4566',
  hostEnv: { PATH: '/host/bin:/usr/bin', LANG: 'C.UTF-8', AWS_ACCESS_KEY_ID: 'AKIAHOST', AWS_PROFILE: 'admin', HOME: '/root', KUBECONFIG: '/x' },
};

function withContainer(pod: KubeObject, patch: Record<string, unknown>): KubeObject {
  const spec = pod['spec'] as { containers: Record<string, unknown>[] };
  spec.containers[0] = { ...spec.containers[0], ...patch };
  return pod;
}

function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  return assert.rejects(p, (e: unknown) => e instanceof PodRunnerError && e.code === code && message.test(e.message));
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const objects: Record<string, KubeObject> = {
  'Secret/db': { kind: 'Secret', data: { password: b64('s3cr3t'), user: b64('admin') } },
  'ConfigMap/app': { kind: 'ConfigMap', data: { LOG_LEVEL: 'debug', 'bad=key': 'x', MODE: 'from-configmap' } },
};
const resolver: ObjectResolver = async (kind, namespace, name) => {
  assert.equal(namespace, 'default');
  return objects[`${kind}/${name}`];
};

describe('buildPodEnv: an IRSA-mutated pod', () => {
  it('remaps the token file, points AWS at irsa-local and keeps the webhook env', async () => {
    const r = await buildPodEnv(irsaPod(), BASE);
    const tokenFile = join(POD_DIR, 'volumes', 'aws-iam-token', 'token');
    assert.equal(r.env['AWS_ROLE_ARN'], ROLE_ARN);
    assert.equal(r.env['AWS_WEB_IDENTITY_TOKEN_FILE'], tokenFile);
    assert.equal(r.env['AWS_ENDPOINT_URL'], 'http://127.0.0.1:4566');
    assert.equal(r.env['HOME'], join(POD_DIR, 'home'));
    assert.equal(r.home, join(POD_DIR, 'home'));
    assert.equal(r.env['HOSTNAME'], 'balajilovesoreos');
    assert.equal(r.env['PATH'], '/host/bin:/usr/bin');
    assert.equal(r.env['LANG'], 'C.UTF-8');
    assert.equal(r.env['AWS_EC2_METADATA_DISABLED'], 'true');
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.projections.tokens, [
      {
        volume: 'aws-iam-token',
        path: 'token',
        hostFile: tokenFile,
        namespace: 'default',
        serviceAccount: 'default',
        audiences: ['sts.amazonaws.com'],
        expirationSeconds: 3600,
        pod: { name: 'balajilovesoreos', uid: 'be8695c4-4ad0-4038-8786-c508853aa255' },
      },
    ]);
  });

  it('leaks nothing else from the host (host credentials would beat web identity)', async () => {
    const r = await buildPodEnv(irsaPod(), BASE);
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'KUBECONFIG', 'AWS_REGION']) assert.equal(r.env[k], undefined, k);
    assert.equal(r.env['HOME'], join(POD_DIR, 'home'));
  });

  const regionCases: { name: string; env: { name: string; value: string }[]; defaultRegion?: string; want: [string | undefined, string | undefined] }[] = [
    { name: 'webhook region vars are kept', env: [{ name: 'AWS_DEFAULT_REGION', value: 'seattle' }, { name: 'AWS_REGION', value: 'seattle' }], defaultRegion: 'us-east-1', want: ['seattle', 'seattle'] },
    { name: 'no region: the server region fills both', env: [], defaultRegion: 'eu-west-1', want: ['eu-west-1', 'eu-west-1'] },
    { name: 'one of them set: the other stays unset (as the webhook does)', env: [{ name: 'AWS_REGION', value: 'ap-south-1' }], defaultRegion: 'eu-west-1', want: ['ap-south-1', undefined] },
    { name: 'no region and no default', env: [], want: [undefined, undefined] },
  ];
  for (const c of regionCases) {
    it(`region: ${c.name}`, async () => {
      const env = [...c.env, { name: 'AWS_ROLE_ARN', value: ROLE_ARN }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: IRSA_TOKEN_PATH }];
      const r = await buildPodEnv(irsaPod({ env }), { ...BASE, defaultRegion: c.defaultRegion });
      assert.deepEqual([r.env['AWS_REGION'], r.env['AWS_DEFAULT_REGION']], c.want);
    });
  }

  it('AWS_ENDPOINT_URL of the pod is replaced; service-specific endpoints are kept', async () => {
    const r = await buildPodEnv(irsaPod({ env: [{ name: 'AWS_ENDPOINT_URL', value: 'https://real.aws' }, { name: 'AWS_ENDPOINT_URL_S3', value: 'http://s3.local' }] }), BASE);
    assert.equal(r.env['AWS_ENDPOINT_URL'], 'http://127.0.0.1:4566');
    assert.equal(r.env['AWS_ENDPOINT_URL_S3'], 'http://s3.local');
  });

  it('a token file outside any projected mount is left as is, with a warning', async () => {
    const r = await buildPodEnv(irsaPod({ env: [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/elsewhere/token' }] }), BASE);
    assert.equal(r.env['AWS_WEB_IDENTITY_TOKEN_FILE'], '/elsewhere/token');
    assert.match(r.warnings[0] ?? '', /AWS_WEB_IDENTITY_TOKEN_FILE=\/elsewhere\/token is not inside a projected volume/);
  });

  it('KUBERNETES_SERVICE_* point at the embedded API; TERM=xterm with a tty', async () => {
    const r = await buildPodEnv(irsaPod(), { ...BASE, kubeApi: { host: '127.0.0.1', port: 6443 }, tty: true });
    assert.equal(r.env['KUBERNETES_SERVICE_HOST'], '127.0.0.1');
    assert.equal(r.env['KUBERNETES_SERVICE_PORT'], '6443');
    assert.equal(r.env['KUBERNETES_PORT'], 'tcp://127.0.0.1:6443');
    assert.equal(r.env['TERM'], 'xterm');
    assert.equal((await buildPodEnv(irsaPod(), BASE)).env['TERM'], undefined);
  });
});

describe('buildPodEnv: the webhook conformance fixtures after their patch', () => {
  const pods = mutatedFixturePods();
  it('has fixtures (or ../shared is absent)', { skip: pods.length ? false : 'shared conformance data absent' }, () => assert.ok(pods.length >= 20));
  for (const { file, pod } of pods) {
    it(file, async () => {
      const spec = pod['spec'] as Record<string, { name: string; env?: { name: string; value: string }[]; volumeMounts?: { name: string; mountPath: string }[] }[]>;
      for (const c of [...(spec['containers'] ?? []), ...(spec['initContainers'] ?? [])]) {
        const r = await buildPodEnv(pod, { ...BASE, container: c.name });
        for (const v of c.env ?? []) {
          if (v.name !== 'AWS_WEB_IDENTITY_TOKEN_FILE' && v.name !== 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE') {
            if (!['AWS_ENDPOINT_URL'].includes(v.name)) assert.equal(r.env[v.name], v.value, `${c.name} ${v.name}`);
            continue;
          }
          const mounted = (c.volumeMounts ?? []).find((m) => v.value.startsWith(`${m.mountPath}/`));
          const isProjected = mounted && (spec['volumes'] as unknown as { name: string; projected?: unknown }[]).some((x) => x.name === mounted.name && x.projected);
          if (isProjected) {
            assert.ok(r.projections.tokens.some((t) => t.hostFile === r.env[v.name]), `${c.name}: ${v.name}=${r.env[v.name]} is a projected token file`);
            assert.ok(r.env[v.name]?.startsWith(`${POD_DIR}/volumes/`));
          } else {
            assert.equal(r.env[v.name], v.value, `${c.name}: ${v.name} unchanged (Windows path or no mount)`);
          }
        }
      }
    });
  }
});

describe('selectContainer', () => {
  const pod = (annotations?: Record<string, string>): KubeObject => ({
    metadata: { name: 'mypod', namespace: 'demo', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'main' }, { name: 'side' }], initContainers: [{ name: 'init' }] },
  });
  const cases: { name: string; pod: KubeObject; requested?: string; want: string; defaulted: boolean }[] = [
    { name: '-c picks a container', pod: pod(), requested: 'side', want: 'side', defaulted: false },
    { name: '-c may name an init container', pod: pod(), requested: 'init', want: 'init', defaulted: false },
    { name: 'the annotation picks silently', pod: pod({ 'kubectl.kubernetes.io/default-container': 'side' }), want: 'side', defaulted: false },
    { name: 'an annotation naming nothing falls back to the first', pod: pod({ 'kubectl.kubernetes.io/default-container': 'gone' }), want: 'main', defaulted: true },
    { name: 'several containers: the first, defaulted', pod: pod(), want: 'main', defaulted: true },
    { name: 'one container: silently', pod: irsaPod(), want: 'balajilovesoreos', defaulted: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = selectContainer(c.pod, c.requested);
      assert.equal(s.container.name, c.want);
      assert.equal(s.defaulted, c.defaulted);
    });
  }
  it('an unknown container is an error naming it (apiserver wording)', () => {
    assert.throws(() => selectContainer(pod(), 'nope'), (e: unknown) => e instanceof PodRunnerError && e.code === 'ContainerNotFound' && e.message === 'container nope is not valid for pod mypod');
  });
  it('a pod without containers', () => {
    assert.throws(() => selectContainer({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [] } }), /pod n\/p does not have any containers/);
  });
});

describe('buildPodEnv: env sources as the kubelet resolves them', () => {
  it('value, $(VAR) expansion, fieldRef, secretKeyRef, configMapKeyRef, envFrom with prefix', async () => {
    const pod = withContainer(irsaPod({ annotations: { team: 'blue' } }), {
      envFrom: [{ configMapRef: { name: 'app' } }, { prefix: 'DB_', secretRef: { name: 'db' } }],
      env: [
        { name: 'MODE', value: 'explicit' },
        { name: 'GREETING', value: 'level=$(LOG_LEVEL) user=$(DB_user) $$(LOG_LEVEL) $(NOPE)' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app', key: 'LOG_LEVEL' } } },
        { name: 'MAYBE', valueFrom: { secretKeyRef: { name: 'absent', key: 'k', optional: true } } },
      ],
    });
    const r = await buildPodEnv(pod, { ...BASE, resolve: resolver, host: { nodeName: 'laptop' } });
    assert.equal(r.env['LOG_LEVEL'], 'debug');
    assert.equal(r.env['DB_password'], 's3cr3t');
    assert.equal(r.env['MODE'], 'explicit', 'env overrides envFrom');
    assert.equal(r.env['GREETING'], 'level=debug user=admin $(LOG_LEVEL) $(NOPE)');
    assert.equal(r.env['POD_NAME'], 'balajilovesoreos');
    assert.equal(r.env['POD_NS'], 'default');
    assert.equal(r.env['POD_UID'], 'be8695c4-4ad0-4038-8786-c508853aa255');
    assert.equal(r.env['SA'], 'default');
    assert.equal(r.env['NODE'], 'laptop');
    assert.equal(r.env['POD_IP'], '127.0.0.1');
    assert.equal(r.env['TEAM'], 'blue');
    assert.equal(r.env['PASSWORD'], 's3cr3t');
    assert.equal(r.env['LEVEL'], 'debug');
    assert.equal('MAYBE' in r.env, false);
    assert.equal('bad=key' in r.env, false);
    assert.match(r.warnings.join('\n'), /skipped key `bad=key`/);
  });

  it('status.podIP and spec.nodeName come from the pod when it has them', async () => {
    const pod = withContainer(irsaPod(), {
      env: [
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ],
    });
    (pod['status'] as Record<string, unknown>)['podIP'] = '10.1.2.3';
    (pod['spec'] as Record<string, unknown>)['nodeName'] = 'node-a';
    const r = await buildPodEnv(pod, { ...BASE, host: { nodeName: 'laptop' } });
    assert.equal(r.env['IP'], '10.1.2.3');
    assert.equal(r.env['NODE'], 'node-a');
  });

  it('resourceFieldRef: limits, requests, divisors, node allocatable for an unset limit', async () => {
    const pod = withContainer(irsaPod(), {
      resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m' } },
      env: [
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      ],
    });
    const r = await buildPodEnv(pod, { ...BASE, host: { cpus: 8, memoryBytes: 2 ** 34 } });
    assert.deepEqual([r.env['MEM_MI'], r.env['CPU_LIMIT'], r.env['CPU_REQ_M'], r.env['CPU_REQ']], ['512', '8', '250', '1']);
    assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
    assert.equal(parseQuantity('100m'), 0.1);
  });

  it('a missing Secret, a missing key and an unsupported fieldPath are errors', async () => {
    const one = (e: unknown) => withContainer(irsaPod(), { env: [e] });
    await rejectsWith(buildPodEnv(one({ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }), { ...BASE, resolve: resolver }), 'ReferenceNotFound', /^secret "absent" not found$/);
    await rejectsWith(buildPodEnv(one({ name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'nope' } } }), { ...BASE, resolve: resolver }), 'KeyNotFound', /couldn't find key nope in ConfigMap default\/app/);
    await rejectsWith(buildPodEnv(withContainer(irsaPod(), { envFrom: [{ secretRef: { name: 'absent' } }] }), { ...BASE, resolve: resolver }), 'ReferenceNotFound', /secret "absent"/);
    await rejectsWith(buildPodEnv(one({ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } }), BASE), 'UnsupportedField', /spec.hostname/);
  });

  it('expandVars follows the Kubernetes rules', () => {
    const m = new Map([['A', 'x'], ['B', '$(A)']]);
    const cases: [string, string][] = [
      ['$(A)', 'x'],
      ['$$(A)', '$(A)'],
      ['$(B)', '$(A)'],
      ['$(C)', '$(C)'],
      ['$A', '$A'],
      ['a$', 'a$'],
      ['$(A', '$(A'],
      ['$$$(A)', '$x'],
    ];
    for (const [input, want] of cases) assert.equal(expandVars(input, m), want, input);
  });
});

describe('projected volumes on the host', () => {
  it('maps subPath mounts and nested mounts; the longest mount wins', () => {
    const mounts = [
      { volume: 'a', mountPath: '/var/run/secrets', hostPath: '/p/volumes/a' },
      { volume: 'b', mountPath: '/var/run/secrets/eks', hostPath: '/p/volumes/b/sub' },
    ];
    assert.equal(hostPathOf('/var/run/secrets/x/token', mounts), '/p/volumes/a/x/token');
    assert.equal(hostPathOf('/var/run/secrets/eks/token', mounts), '/p/volumes/b/sub/token');
    assert.equal(hostPathOf('/var/run/secrets2/token', mounts), undefined);
    assert.equal(hostPathOf('/var/run/secrets/eks/../x', mounts), '/p/volumes/a/x');
  });

  it('plans every projected source of a mounted volume; unmounted volumes are ignored', async () => {
    const pod = irsaPod();
    const spec = pod['spec'] as { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] };
    spec.volumes.push(
      {
        name: 'kube-api-access',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
      { name: 'unmounted', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } },
    );
    spec.containers[0]?.volumeMounts.push({ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
    const r = await buildPodEnv(pod, BASE);
    assert.deepEqual(
      r.projections.tokens.map((t) => [t.volume, t.audiences, t.expirationSeconds]),
      [
        ['aws-iam-token', ['sts.amazonaws.com'], 3600],
        ['kube-api-access', [], 3607],
      ],
    );
    assert.deepEqual(
      r.projections.files.map((f) => f.hostFile),
      [join(POD_DIR, 'volumes/kube-api-access/ca.crt'), join(POD_DIR, 'volumes/kube-api-access/namespace')],
    );
  });

  it('a token path escaping its volume is refused', async () => {
    const pod = irsaPod();
    ((pod['spec'] as { volumes: { projected: { sources: { serviceAccountToken: { path: string } }[] } }[] }).volumes[0] as { projected: { sources: { serviceAccountToken: { path: string } }[] } }).projected.sources[0]!.serviceAccountToken.path = '../../etc/x';
    await rejectsWith(buildPodEnv(pod, BASE), 'InvalidVolumePath', /must be relative/);
  });
});
