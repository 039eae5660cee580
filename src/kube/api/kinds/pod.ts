/**
 * Pods: server defaults (defaults.go plus the ServiceAccount and DefaultTolerationSeconds
 * admission plugins), validation, and the update rule that most of `spec` is immutable.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement
 */
import type { KubeObject } from '../../contracts.js';
import type { FieldError } from '../errors.js';
import { dnsLabelErrors, validateEnvName } from '../validation.js';
import { asList, asObj, type KindContext, type KindStrategy, type Obj } from './context.js';

/** Where the apiserver mounts the ServiceAccount token volume in every container. */
export const SA_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The ServiceAccount admission plugin's projected token lifetime (3607 s: 1 h plus skew). */
const KUBE_API_ACCESS_EXPIRATION = 3607;

function defaultContainer(c: Obj): void {
  const image = typeof c.image === 'string' ? c.image : '';
  if (c.imagePullPolicy === undefined) {
    const tag = /:([^/:]+)$/.exec(image.split('@')[0] ?? '')?.[1];
    c.imagePullPolicy = image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  const res = asObj(c.resources);
  // Requests default to limits (pkg/apis/core/v1/defaults.go).
  if (res.limits && typeof res.limits === 'object') res.requests = { ...(res.limits as Obj), ...asObj(res.requests) };
  c.resources = res;
  for (const p of asList(c.ports)) p.protocol ??= 'TCP';
}

/** The `kube-api-access-xxxxx` volume the ServiceAccount admission plugin adds. */
function kubeApiAccessVolume(name: string): Obj {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: KUBE_API_ACCESS_EXPIRATION, path: 'token' } },
        { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    },
  };
}

/**
 * Defaults a pod as the apiserver stores it before mutating webhooks run. `sa` is the pod's
 * ServiceAccount (for automountServiceAccountToken).
 */
export function defaultPod(pod: KubeObject, ctx: KindContext, sa: KubeObject | undefined): void {
  const spec = asObj(pod.spec);
  pod.spec = spec;
  const containers = asList(spec.containers);
  const inits = asList(spec.initContainers);
  for (const c of [...inits, ...containers]) defaultContainer(c);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  if (!spec.serviceAccountName) spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
  spec.serviceAccount = spec.serviceAccountName;
  // DefaultTolerationSeconds admission plugin.
  const tolerations = asList(spec.tolerations);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => t.key === key && (t.effect === 'NoExecute' || t.effect === undefined)))
      tolerations.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
  // ServiceAccount admission plugin: the token volume, unless opted out on the pod or the SA.
  const automount = spec.automountServiceAccountToken ?? (sa as Obj | undefined)?.automountServiceAccountToken;
  const alreadyMounted = [...inits, ...containers].some((c) => asList(c.volumeMounts).some((m) => m.mountPath === SA_MOUNT_PATH));
  if (automount !== false && !alreadyMounted) {
    const volumes = asList(spec.volumes);
    const name = `kube-api-access-${ctx.randomSuffix(5)}`;
    volumes.push(kubeApiAccessVolume(name));
    spec.volumes = volumes;
    for (const c of [...inits, ...containers]) {
      const mounts = asList(c.volumeMounts);
      mounts.push({ mountPath: SA_MOUNT_PATH, name, readOnly: true });
      c.volumeMounts = mounts;
    }
  }
  spec.containers = containers;
  if (inits.length) spec.initContainers = inits;
  pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
}

/** BestEffort / Burstable / Guaranteed (pkg/apis/core/helper/qos). */
export function qosClass(pod: KubeObject): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const spec = asObj(pod.spec);
  const all = [...asList(spec.initContainers), ...asList(spec.containers)];
  let anySet = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const r = asObj(c.resources);
    const req = asObj(r.requests);
    const lim = asObj(r.limits);
    if (Object.keys(req).length || Object.keys(lim).length) anySet = true;
    for (const k of ['cpu', 'memory']) if (lim[k] === undefined || (req[k] !== undefined && String(req[k]) !== String(lim[k]))) guaranteed = false;
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function validateContainers(field: string, list: Obj[], volumeNames: Set<string>, names: Set<string>): FieldError[] {
  const out: FieldError[] = [];
  list.forEach((c, i) => {
    const at = `${field}[${i}]`;
    if (typeof c.name !== 'string' || c.name === '') out.push({ field: `${at}.name`, type: 'Required value' });
    else {
      out.push(...dnsLabelErrors(`${at}.name`, c.name));
      if (names.has(c.name)) out.push({ field: `${at}.name`, type: 'Duplicate value', value: c.name });
      names.add(c.name);
    }
    if (typeof c.image !== 'string' || c.image.trim() === '') out.push({ field: `${at}.image`, type: 'Required value' });
    const pull = c.imagePullPolicy;
    if (pull !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(String(pull)))
      out.push({ field: `${at}.imagePullPolicy`, type: 'Unsupported value', value: pull, detail: 'supported values: "Always", "IfNotPresent", "Never"' });
    asList(c.env).forEach((e, j) => out.push(...validateEnvName(`${at}.env[${j}].name`, e.name)));
    const paths = new Set<string>();
    asList(c.volumeMounts).forEach((m, j) => {
      const mat = `${at}.volumeMounts[${j}]`;
      if (typeof m.name !== 'string' || m.name === '') out.push({ field: `${mat}.name`, type: 'Required value' });
      else if (!volumeNames.has(m.name)) out.push({ field: `${mat}.name`, type: 'Not found', value: m.name });
      if (typeof m.mountPath !== 'string' || m.mountPath === '') out.push({ field: `${mat}.mountPath`, type: 'Required value' });
      else if (paths.has(m.mountPath)) out.push({ field: `${mat}.mountPath`, type: 'Invalid value', value: m.mountPath, detail: 'must be unique' });
      else paths.add(m.mountPath);
    });
    asList(c.ports).forEach((p, j) => {
      const n = p.containerPort;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535)
        out.push({ field: `${at}.ports[${j}].containerPort`, type: n === undefined ? 'Required value' : 'Invalid value', value: n, detail: n === undefined ? undefined : 'must be between 1 and 65535, inclusive' });
    });
  });
  return out;
}

/** Validates a pod spec under `field` (`spec`, or `spec.template.spec` for workloads). */
export function validatePodSpec(specValue: unknown, field: string): FieldError[] {
  const spec = asObj(specValue);
  const out: FieldError[] = [];
  const volumeNames = new Set<string>();
  asList(spec.volumes).forEach((v, i) => {
    if (typeof v.name !== 'string' || v.name === '') out.push({ field: `${field}.volumes[${i}].name`, type: 'Required value' });
    else {
      out.push(...dnsLabelErrors(`${field}.volumes[${i}].name`, v.name));
      if (volumeNames.has(v.name)) out.push({ field: `${field}.volumes[${i}].name`, type: 'Duplicate value', value: v.name });
      volumeNames.add(v.name);
    }
  });
  const containers = asList(spec.containers);
  if (containers.length === 0) out.push({ field: `${field}.containers`, type: 'Required value' });
  const names = new Set<string>();
  out.push(...validateContainers(`${field}.initContainers`, asList(spec.initContainers), volumeNames, names));
  out.push(...validateContainers(`${field}.containers`, containers, volumeNames, names));
  const rp = spec.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(rp)))
    out.push({ field: `${field}.restartPolicy`, type: 'Unsupported value', value: rp, detail: 'supported values: "Always", "OnFailure", "Never"' });
  const dns = spec.dnsPolicy;
  if (dns !== undefined && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(String(dns)))
    out.push({ field: `${field}.dnsPolicy`, type: 'Unsupported value', value: dns, detail: 'supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"' });
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(spec.serviceAccountName))
      out.push({ field: `${field}.serviceAccountName`, type: 'Invalid value', value: spec.serviceAccountName, detail: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters' });
  }
  return out;
}

const MUTABLE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Obj)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as Obj)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Paths where two JSON values differ, for the Forbidden message (kube prints a cmp.Diff). */
function diffPaths(a: unknown, b: unknown, at: string, out: string[]): void {
  if (stable(a) === stable(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffPaths((a as Obj)[k], (b as Obj)[k], Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`, out);
    return;
  }
  out.push(`${at}: ${JSON.stringify(a) ?? '<unset>'} -> ${JSON.stringify(b) ?? '<unset>'}`);
}

/** ValidatePodSpecUpdate's immutability rule, with the apiserver's message. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const oldSpec = asObj(old.spec);
  const munged = structuredClone(asObj(pod.spec));
  // Allowed changes are copied from the old spec; anything left different is forbidden.
  const copyImages = (key: string): void => {
    const olds = asList(oldSpec[key]);
    const news = asList(munged[key]);
    if (olds.length === news.length) news.forEach((c, i) => (c.image = (olds[i] as Obj).image));
  };
  copyImages('containers');
  copyImages('initContainers');
  const out: FieldError[] = [];
  const ads = munged.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (ads !== undefined && (oldAds === undefined || (typeof ads === 'number' && typeof oldAds === 'number' && ads <= oldAds))) munged.activeDeadlineSeconds = oldAds;
  const oldTol = asList(oldSpec.tolerations).map(stable);
  const newTol = asList(munged.tolerations).map(stable);
  if (oldTol.every((t) => newTol.includes(t))) munged.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  const diffs: string[] = [];
  diffPaths(oldSpec, munged, 'spec', diffs);
  if (diffs.length) out.push({ field: 'spec', type: 'Forbidden', detail: `${MUTABLE_MESSAGE}\n${diffs.map((d) => `  ${d}`).join('\n')}` });
  asList(munged.containers).forEach((c, i) => {
    if (typeof c.image !== 'string' || c.image === '') out.push({ field: `spec.containers[${i}].image`, type: 'Required value' });
  });
  return out;
}

export const podStrategy: KindStrategy = {
  validate: (o) => validatePodSpec(o.spec, 'spec'),
  validateUpdate: (o, old) => (stable(o.spec) === stable(old.spec) ? [] : validatePodUpdate(o, old)),
};

export { stable };
