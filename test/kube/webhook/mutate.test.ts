import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { jitterDefault, resolvePodPatchConfig, type ConfigSources } from '../../../src/kube/webhook/config.js';
import { applyJsonPatch, type JsonPatchOp } from '../../../src/kube/webhook/json-patch.js';
import { mutatePod, type PatchStyle } from '../../../src/kube/webhook/mutate.js';
import type { Container, Pod } from '../../../src/kube/webhook/pod.js';
import { webhookSettings, type WebhookSettingsInput } from '../../../src/kube/webhook/settings.js';
import type { ConfigMapEntry } from '../../../src/kube/webhook/sources.js';
import { goRoundTripPod, serviceAccount, staticServiceAccounts } from './support.js';

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const IRSA_TOKEN = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';

interface Setup {
  sas?: KubeObject[];
  settings?: WebhookSettingsInput;
  configMap?: Record<string, ConfigMapEntry>;
  podIdentity?: string[];
  style?: PatchStyle;
  random?: (n: number) => number;
  namespace?: string;
}

async function mutate(pod: Pod, setup: Setup = {}): Promise<{ ops: JsonPatchOp[] | undefined; pod: Pod }> {
  const sources: ConfigSources = {
    serviceAccounts: staticServiceAccounts(setup.sas ?? [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE })]),
    configMap: (k) => setup.configMap?.[k],
    containerCredentials: (ns, sa) => (setup.podIdentity ?? []).includes(`${ns}/${sa}`),
  };
  const config = await resolvePodPatchConfig(pod, setup.namespace ?? 'default', sources, webhookSettings(setup.settings), setup.random ?? (() => 0));
  const ops = mutatePod(pod, config, { style: setup.style ?? 'fine-grained' });
  return { ops, pod: ops ? applyJsonPatch(pod, ops) : pod };
}

function simplePod(extra: Partial<Container> = {}, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...metadata }, spec: { serviceAccountName: 'default', containers: [{ name: 'app', image: 'amazonlinux', ...extra }], ...spec } };
}

const env = (pod: Pod, i = 0): Record<string, string> => Object.fromEntries((pod.spec?.containers?.[i]?.env ?? []).map((e) => [e.name, e.value]));
const volume = (pod: Pod, name = 'aws-iam-token'): Record<string, unknown> | undefined => pod.spec?.volumes?.find((v) => v.name === name);
const tokenSource = (pod: Pod, name = 'aws-iam-token'): Record<string, unknown> =>
  ((volume(pod, name)?.['projected'] as { sources: { serviceAccountToken: Record<string, unknown> }[] }).sources[0] as { serviceAccountToken: Record<string, unknown> }).serviceAccountToken;

describe('mutatePod: handler_test.go inline case (§5.3)', () => {
  it('SA with role and token-expiration 3600 gives upstream’s patched pod', async () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'balajilovesoreos', uid: 'be8695c4-4ad0-4038-8786-c508853aa255' },
      spec: { containers: [{ image: 'amazonlinux', name: 'balajilovesoreos' }], serviceAccountName: 'default' },
    };
    const expected = JSON.parse(
      '[{"op":"add","path":"/spec/volumes","value":[{"name":"aws-iam-token","projected":{"sources":[{"serviceAccountToken":{"audience":"sts.amazonaws.com","expirationSeconds":3600,"path":"token"}}]}}]},{"op":"add","path":"/spec/containers","value":[{"name":"balajilovesoreos","image":"amazonlinux","env":[{"name":"AWS_ROLE_ARN","value":"arn:aws:iam::111122223333:role/s3-reader"},{"name":"AWS_WEB_IDENTITY_TOKEN_FILE","value":"/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}],"resources":{},"volumeMounts":[{"name":"aws-iam-token","readOnly":true,"mountPath":"/var/run/secrets/eks.amazonaws.com/serviceaccount"}]}]}]',
    ) as JsonPatchOp[];
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/token-expiration': '3600' })];
    for (const style of ['fine-grained', 'whole-array'] as const) {
      const r = await mutate(pod, { sas, style });
      assert.deepEqual(goRoundTripPod(r.pod), goRoundTripPod(applyJsonPatch(pod, expected)), style);
    }
  });

  it('TestMutatePod_MutationNotNeeded: no SA means no patch', async () => {
    assert.equal((await mutate(simplePod(), { sas: [] })).ops, undefined);
  });
});

describe('better than upstream (a) #208/#84: containers are never re-encoded', () => {
  const sidecar: Container = {
    name: 'proxy',
    image: 'envoy',
    restartPolicy: 'Always',
    startupProbe: { httpGet: { path: '/ready', port: 9901 }, failureThreshold: 30 },
    resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
    someFieldFromAFutureKubernetes: { kept: true },
  };
  const pod = simplePod({ startupProbe: { exec: { command: ['true'] } } }, { initContainers: [sidecar] });

  it('fine-grained: only additions under env and volumeMounts, nothing else rewritten', async () => {
    const { ops, pod: out } = await mutate(pod);
    assert.ok(ops);
    for (const op of ops) assert.match(op.path, /^\/spec\/volumes$|^\/spec\/(init)?[cC]ontainers\/\d+\/(env|volumeMounts)(\/-)?$/);
    assert.deepEqual({ ...out.spec?.initContainers?.[0], env: undefined, volumeMounts: undefined }, { ...sidecar, env: undefined, volumeMounts: undefined });
    assert.equal(env(out).AWS_ROLE_ARN, ROLE);
  });

  it('whole-array: the arrays are the original objects plus env and volumeMounts', async () => {
    const { ops, pod: out } = await mutate(pod, { style: 'whole-array' });
    const init = ops?.find((o) => o.path === '/spec/initContainers')?.value as Container[];
    const { env: e, volumeMounts: m, ...rest } = init[0] as Container;
    assert.deepEqual(rest, sidecar);
    assert.equal(e?.length, 2);
    assert.equal(m?.length, 1);
    assert.equal((out.spec?.containers?.[0] as Container)['startupProbe'] !== undefined, true);
    assert.equal('resources' in (init[0] as object), false, 'no resources: {} invented');
  });

  it('appends to an existing env list without touching its entries', async () => {
    const { ops, pod: out } = await mutate(simplePod({ env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }));
    assert.deepEqual(
      ops?.filter((o) => o.path.includes('/env')).map((o) => o.path),
      ['/spec/containers/0/env/-', '/spec/containers/0/env/-'],
    );
    assert.deepEqual(out.spec?.containers?.[0]?.env?.[0], { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  });

  it('a container that already has everything gets no operation (fine-grained)', async () => {
    const ready = simplePod(
      { env: [{ name: 'AWS_ROLE_ARN', value: ROLE }, { name: 'AWS_REGION', value: 'x' }, { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' }] },
      { volumes: [{ name: 'aws-iam-token', projected: {} }] },
    );
    assert.deepEqual((await mutate(ready)).ops, []);
    assert.deepEqual(
      (await mutate(ready, { style: 'whole-array' })).ops?.map((o) => o.path),
      ['/spec/containers'],
      'upstream always sends the containers op',
    );
  });
});

describe('better than upstream (d) #8: fsGroup for non-root containers', () => {
  const sa = (extra: Record<string, string> = {}): KubeObject[] => [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, ...extra })];

  it('is off by default, as upstream', async () => {
    assert.equal((await mutate(simplePod())).pod.spec?.securityContext, undefined);
  });

  it('--fs-group sets spec.securityContext.fsGroup when absent', async () => {
    const { ops, pod } = await mutate(simplePod(), { settings: { fsGroup: 65534 } });
    assert.deepEqual(pod.spec?.securityContext, { fsGroup: 65534 });
    assert.ok(ops?.some((o) => o.path === '/spec/securityContext'));
  });

  it('adds only the field to an existing securityContext, and never replaces an fsGroup', async () => {
    let r = await mutate(simplePod({}, { securityContext: { runAsUser: 1000 } }), { settings: { fsGroup: 2000 } });
    assert.deepEqual(r.pod.spec?.securityContext, { runAsUser: 1000, fsGroup: 2000 });
    r = await mutate(simplePod({}, { securityContext: { fsGroup: 0 } }), { settings: { fsGroup: 2000 } });
    assert.deepEqual(r.pod.spec?.securityContext, { fsGroup: 0 });
  });

  it('pod annotation eks.amazonaws.com/fs-group > SA annotation > flag; invalid values are ignored', async () => {
    const annotated = (v: string): Pod => simplePod({}, {}, { annotations: { 'eks.amazonaws.com/fs-group': v } });
    assert.equal((await mutate(simplePod(), { sas: sa({ 'eks.amazonaws.com/fs-group': '3000' }), settings: { fsGroup: 1 } })).pod.spec?.securityContext?.fsGroup, 3000);
    assert.equal((await mutate(annotated('4000'), { sas: sa({ 'eks.amazonaws.com/fs-group': '3000' }), settings: { fsGroup: 1 } })).pod.spec?.securityContext?.fsGroup, 4000);
    assert.equal((await mutate(annotated('-1'), { settings: { fsGroup: 1 } })).pod.spec?.securityContext?.fsGroup, 1);
    assert.equal((await mutate(annotated('2147483648'))).pod.spec?.securityContext, undefined);
  });

  it('follows --annotation-prefix', async () => {
    const pod = simplePod({}, {}, { annotations: { 'example.com/fs-group': '7' } });
    const r = await mutate(pod, { sas: [serviceAccount('default', 'default', { 'example.com/role-arn': ROLE })], settings: { annotationPrefix: 'example.com' } });
    assert.equal(r.pod.spec?.securityContext?.fsGroup, 7);
  });

  it('is not set on Windows pods (kube-apiserver rejects fsGroup there)', async () => {
    for (const spec of [{ nodeSelector: { 'kubernetes.io/os': 'windows' } }, { os: { name: 'windows' } }]) {
      assert.equal((await mutate(simplePod({}, spec), { settings: { fsGroup: 1 } })).pod.spec?.securityContext, undefined);
    }
  });
});

describe('better than upstream (e) #149: region from the ServiceAccount', () => {
  it('eks.amazonaws.com/region injects AWS_DEFAULT_REGION and AWS_REGION, over --aws-default-region', async () => {
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': 'eu-west-3' })];
    const { pod } = await mutate(simplePod(), { sas, settings: { region: 'us-east-1' } });
    assert.deepEqual(Object.keys(env(pod)), ['AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']);
    assert.equal(env(pod).AWS_REGION, 'eu-west-3');
    assert.equal(env(pod).AWS_DEFAULT_REGION, 'eu-west-3');
  });

  it('an empty annotation falls back to the flag; a region already in the container wins', async () => {
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': '' })];
    assert.equal(env((await mutate(simplePod(), { sas, settings: { region: 'us-east-1' } })).pod).AWS_REGION, 'us-east-1');
    const withRegion = simplePod({ env: [{ name: 'AWS_DEFAULT_REGION', value: 'ap-south-1' }] });
    const out = (await mutate(withRegion, { sas: [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/region': 'eu-west-3' })] })).pod;
    assert.equal(env(out).AWS_REGION, undefined);
    assert.equal(env(out).AWS_DEFAULT_REGION, 'ap-south-1');
  });

  it('applies in Pod Identity mode too', async () => {
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/region': 'eu-west-3' })];
    assert.equal(env((await mutate(simplePod(), { sas, podIdentity: ['default/default'] })).pod).AWS_REGION, 'eu-west-3');
  });
});

describe('upstream rules not covered by a fixture (§5.2)', () => {
  it('Pod Identity with existing labels: the label is merged, not the map replaced', async () => {
    const { ops, pod } = await mutate(simplePod({}, {}, { labels: { app: 'x' } }), { podIdentity: ['default/default'] });
    assert.deepEqual(ops?.[0], { op: 'add', path: '/metadata/labels/eks.amazonaws.com~1pod-identity', value: 'enabled' });
    assert.deepEqual(pod.metadata?.labels, { app: 'x', 'eks.amazonaws.com/pod-identity': 'enabled' });
  });

  it('an empty audience annotation is kept and left out of the projection', async () => {
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/audience': '' })];
    assert.deepEqual(tokenSource((await mutate(simplePod(), { sas })).pod), { expirationSeconds: 86400, path: 'token' });
  });

  it('Windows with Pod Identity: C:\\ token path in the env, Unix mountPath', async () => {
    const { pod } = await mutate(simplePod({}, { nodeSelector: { 'kubernetes.io/os': 'windows' } }), { podIdentity: ['default/default'] });
    assert.equal(env(pod).AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'C:\\var\\run\\secrets\\pods.eks.amazonaws.com\\serviceaccount\\eks-pod-identity-token');
    assert.equal(pod.spec?.containers?.[0]?.volumeMounts?.[0]?.mountPath, '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount');
  });

  it('early exit in Pod Identity mode needs the credentials vars plus region and STS', async () => {
    const all = [
      { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'u' },
      { name: 'AWS_REGION', value: 'r' },
      { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
    ];
    const untouched = (await mutate(simplePod({ env: all }), { podIdentity: ['default/default'] })).pod;
    assert.equal(untouched.spec?.containers?.[0]?.volumeMounts, undefined);
    // AWS_ROLE_ARN does not count in Pod Identity mode: the container is mutated and keeps it.
    const roleOnly = [{ name: 'AWS_ROLE_ARN', value: 'x' }, ...all.slice(1)];
    const out = (await mutate(simplePod({ env: roleOnly }), { podIdentity: ['default/default'] })).pod;
    assert.equal(env(out).AWS_ROLE_ARN, 'x');
    assert.equal(env(out).AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://169.254.170.23/v1/credentials');
  });

  it('--token-mount-path with a trailing slash: env path cleaned, mount path raw', async () => {
    const { pod } = await mutate(simplePod(), { settings: { mountPath: '/var/token/' } });
    assert.equal(env(pod).AWS_WEB_IDENTITY_TOKEN_FILE, '/var/token/token');
    assert.equal(pod.spec?.containers?.[0]?.volumeMounts?.[0]?.mountPath, '/var/token/');
  });

  it('an empty volumes array takes the /spec/volumes/0 form', async () => {
    const { ops } = await mutate(simplePod({}, { volumes: [] }));
    assert.equal(ops?.[0]?.path, '/spec/volumes/0');
  });

  it('skip-containers matches init and regular containers by exact name; a CSV error skips nothing', async () => {
    const pod = (skip: string): Pod => ({
      metadata: { annotations: { 'eks.amazonaws.com/skip-containers': skip } },
      spec: { serviceAccountName: 'default', initContainers: [{ name: 'init' }], containers: [{ name: 'a' }, { name: 'b' }] },
    });
    let out = (await mutate(pod('init,b'))).pod;
    assert.equal(out.spec?.initContainers?.[0]?.env, undefined);
    assert.equal(out.spec?.containers?.[1]?.env, undefined);
    assert.equal(out.spec?.containers?.[0]?.env?.length, 2);
    out = (await mutate(pod('a, b'))).pod;
    assert.equal(out.spec?.containers?.[1]?.env?.length, 2, '" b" is not "b"');
    out = (await mutate(pod('a"b'))).pod;
    assert.equal(out.spec?.containers?.[0]?.env?.length, 2, 'bare quote: skip nothing');
  });

  it('automountServiceAccountToken: false pods are still mutated; ephemeral containers never', async () => {
    const pod = simplePod({}, { automountServiceAccountToken: false, ephemeralContainers: [{ name: 'debug' }] });
    const out = (await mutate(pod)).pod;
    assert.equal(env(out).AWS_ROLE_ARN, ROLE);
    assert.deepEqual(out.spec?.['ephemeralContainers'], [{ name: 'debug' }]);
  });
});

describe('configuration precedence (buildPodPatchConfig)', () => {
  const cm = (roleArn: string, extra: Partial<ConfigMapEntry> = {}): ConfigMapEntry => ({ roleArn, audience: 'sts.amazonaws.com', useRegionalSts: false, tokenExpiration: 86400, ...extra });

  it('token expiration: pod annotation > SA annotation > flag; floor 600; invalid ignored', async () => {
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/token-expiration': '7200' })];
    const withExp = (v: string): Pod => simplePod({}, {}, { annotations: { 'eks.amazonaws.com/token-expiration': v } });
    assert.equal(tokenSource((await mutate(simplePod(), { settings: { tokenExpiration: 5000 } })).pod)['expirationSeconds'], 5000);
    assert.equal(tokenSource((await mutate(simplePod(), { sas, settings: { tokenExpiration: 5000 } })).pod)['expirationSeconds'], 7200);
    assert.equal(tokenSource((await mutate(withExp('3600'), { sas })).pod)['expirationSeconds'], 3600);
    assert.equal(tokenSource((await mutate(withExp('0'), { sas })).pod)['expirationSeconds'], 600);
    assert.equal(tokenSource((await mutate(withExp('1h'), { sas })).pod)['expirationSeconds'], 7200);
    assert.equal(tokenSource((await mutate(simplePod(), { settings: { tokenExpiration: 10 } })).pod)['expirationSeconds'], 600, 'flag clamped at startup');
  });

  it('sts-regional-endpoints: ParseBool on the SA, invalid or empty → flag', async () => {
    const sts = async (value: string | undefined, flag: boolean): Promise<string | undefined> => {
      const ann: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE };
      if (value !== undefined) ann['eks.amazonaws.com/sts-regional-endpoints'] = value;
      return env((await mutate(simplePod(), { sas: [serviceAccount('default', 'default', ann)], settings: { regionalSts: flag } })).pod).AWS_STS_REGIONAL_ENDPOINTS;
    };
    assert.equal(await sts('true', false), 'regional');
    assert.equal(await sts('1', false), 'regional');
    assert.equal(await sts('false', true), undefined);
    assert.equal(await sts('', true), 'regional');
    assert.equal(await sts('yes', false), undefined);
    assert.equal(await sts(undefined, true), 'regional');
  });

  it('ConfigMap: ns/name beats */name; an SA with a role beats both; no role anywhere → no patch', async () => {
    const configMap = { 'default/default': cm('arn:aws:iam::1:role/specific'), '*/default': cm('arn:aws:iam::1:role/wildcard'), '*/other': cm('arn:aws:iam::1:role/other') };
    const noRole = [serviceAccount('default', 'default')];
    assert.equal(env((await mutate(simplePod(), { sas: noRole, configMap })).pod).AWS_ROLE_ARN, 'arn:aws:iam::1:role/specific');
    assert.equal(env((await mutate(simplePod(), { sas: [], configMap: { '*/default': configMap['*/default'] } })).pod).AWS_ROLE_ARN, 'arn:aws:iam::1:role/wildcard');
    assert.equal(env((await mutate(simplePod(), { configMap })).pod).AWS_ROLE_ARN, ROLE);
    assert.equal((await mutate(simplePod(), { sas: noRole })).ops, undefined);
    assert.equal((await mutate(simplePod(), { sas: noRole, configMap: { 'default/default': cm('') } })).ops, undefined);
  });

  it('Pod Identity beats role-arn; common settings: SA entry > exact ConfigMap entry > (false, 86400)', async () => {
    const sas = [serviceAccount('default', 'default', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/token-expiration': '10000', 'eks.amazonaws.com/sts-regional-endpoints': 'true' })];
    let out = (await mutate(simplePod(), { sas, podIdentity: ['default/default'] })).pod;
    assert.equal(env(out).AWS_ROLE_ARN, undefined);
    assert.equal(env(out).AWS_STS_REGIONAL_ENDPOINTS, 'regional');
    assert.equal(tokenSource(out, 'eks-pod-identity-token')['expirationSeconds'], 10000);
    out = (await mutate(simplePod(), { sas: [], podIdentity: ['default/default'], configMap: { 'default/default': cm('', { useRegionalSts: true, tokenExpiration: 5000 }) } })).pod;
    assert.equal(env(out).AWS_STS_REGIONAL_ENDPOINTS, 'regional');
    assert.equal(tokenSource(out, 'eks-pod-identity-token')['expirationSeconds'], 5000);
    out = (await mutate(simplePod(), { sas: [], podIdentity: ['default/default'], configMap: { '*/default': cm('', { useRegionalSts: true }) }, settings: { regionalSts: true } })).pod;
    assert.equal(env(out).AWS_STS_REGIONAL_ENDPOINTS, undefined, 'SA unknown: STS false even with the flag; no wildcard here');
    assert.equal(tokenSource(out, 'eks-pod-identity-token')['expirationSeconds'], 79200);
  });

  it('jitter: only Pod Identity, only exactly 86400, uniform in [79200, 86400]', async () => {
    assert.equal(jitterDefault(86400, () => 0), 79200);
    assert.equal(jitterDefault(86400, (n) => n - 1), 86400);
    assert.equal(jitterDefault(86399, () => 0), 86399);
    let asked = 0;
    await mutate(simplePod(), { podIdentity: ['default/default'], random: (n) => ((asked = n), 5) }).then(({ pod }) => assert.equal(tokenSource(pod, 'eks-pod-identity-token')['expirationSeconds'], 79205));
    assert.equal(asked, 7201);
    assert.equal(tokenSource((await mutate(simplePod(), { random: () => 5 })).pod)['expirationSeconds'], 86400, 'IRSA never jitters');
  });

  it('the pod namespace comes from the request; an empty serviceAccountName is never looked up', async () => {
    const sas = [serviceAccount('team', 'default', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/team' })];
    assert.equal(env((await mutate(simplePod({}, {}, { namespace: 'default' }), { sas, namespace: 'team' })).pod).AWS_ROLE_ARN, 'arn:aws:iam::1:role/team');
    const lookups = staticServiceAccounts(sas);
    const pod = simplePod({}, { serviceAccountName: undefined });
    assert.equal(await resolvePodPatchConfig(pod, 'team', { serviceAccounts: lookups }, webhookSettings(), () => 0), undefined);
    assert.equal(lookups.gets, 0);
  });

  it('IRSA env order is STS, DEFAULT_REGION, REGION, ROLE_ARN, TOKEN_FILE (the README is wrong)', async () => {
    const { pod } = await mutate(simplePod({ env: [{ name: 'X', value: '1' }] }), { settings: { region: 'us-west-2', regionalSts: true } });
    assert.deepEqual(
      pod.spec?.containers?.[0]?.env?.map((e) => e.name),
      ['X', 'AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    );
    assert.equal(env(pod).AWS_WEB_IDENTITY_TOKEN_FILE, IRSA_TOKEN);
  });
});
