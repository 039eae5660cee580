/**
 * Strategies for the kinds other than pods: defaults, status on create, validation and update
 * rules (immutable selectors, immutable ConfigMaps/Secrets).
 */
import type { KubeObject } from '../../contracts.js';
import type { FieldError } from '../errors.js';
import { labelsMatch, type Requirement } from '../selectors.js';
import { validateDataKeys } from '../validation.js';
import { asList, asObj, type KindStrategy, type Obj } from './context.js';
import { podStrategy, stable, validatePodSpec } from './pod.js';

function immutableData(o: KubeObject, old: KubeObject): FieldError[] {
  if ((old as Obj).immutable !== true) return [];
  const out: FieldError[] = [];
  for (const k of ['data', 'binaryData', 'stringData', 'type'])
    if (stable((o as Obj)[k]) !== stable((old as Obj)[k])) out.push({ field: k, type: 'Forbidden', detail: 'field is immutable when `immutable` is set' });
  if ((o as Obj).immutable !== true) out.push({ field: 'immutable', type: 'Forbidden', detail: 'field is immutable when `immutable` is set' });
  return out;
}

/** A LabelSelector's matchLabels/matchExpressions as requirements. */
export function selectorRequirements(sel: unknown): Requirement[] {
  const s = asObj(sel);
  const reqs: Requirement[] = Object.entries(asObj(s.matchLabels)).map(([key, value]) => ({ op: '=', key, value: String(value) }));
  for (const e of asList(s.matchExpressions)) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    if (e.operator === 'In') reqs.push({ op: 'in', key, values });
    else if (e.operator === 'NotIn') reqs.push({ op: 'notin', key, values });
    else if (e.operator === 'Exists') reqs.push({ op: 'exists', key });
    else if (e.operator === 'DoesNotExist') reqs.push({ op: '!exists', key });
  }
  return reqs;
}

function validateWorkload(o: KubeObject, kind: 'Deployment' | 'ReplicaSet'): FieldError[] {
  const spec = asObj(o.spec);
  const out: FieldError[] = [];
  const replicas = spec.replicas;
  if (replicas !== undefined && (typeof replicas !== 'number' || replicas < 0))
    out.push({ field: 'spec.replicas', type: 'Invalid value', value: replicas, detail: 'must be greater than or equal to 0' });
  const sel = asObj(spec.selector);
  const reqs = selectorRequirements(sel);
  if (spec.selector === undefined || reqs.length === 0)
    out.push({ field: 'spec.selector', type: 'Required value' }, { field: 'spec.selector', type: 'Invalid value', value: sel, detail: 'empty selector is invalid for deployment' });
  const tmpl = asObj(spec.template);
  const labels = asObj(asObj(tmpl.metadata).labels) as Record<string, string>;
  if (reqs.length && !labelsMatch(reqs, labels))
    out.push({ field: 'spec.template.metadata.labels', type: 'Invalid value', value: labels, detail: '`selector` does not match template `labels`' });
  out.push(...validatePodSpec(tmpl.spec, 'spec.template.spec'));
  const rp = asObj(tmpl.spec).restartPolicy;
  if (rp !== undefined && rp !== 'Always') out.push({ field: 'spec.template.spec.restartPolicy', type: 'Unsupported value', value: rp, detail: 'supported values: "Always"' });
  if (kind === 'Deployment') {
    const st = asObj(spec.strategy).type;
    if (st !== undefined && st !== 'RollingUpdate' && st !== 'Recreate')
      out.push({ field: 'spec.strategy.type', type: 'Unsupported value', value: st, detail: 'supported values: "Recreate", "RollingUpdate"' });
  }
  return out;
}

function defaultWorkload(o: KubeObject, kind: 'Deployment' | 'ReplicaSet'): void {
  const spec = asObj(o.spec);
  o.spec = spec;
  spec.replicas ??= 1;
  if (kind === 'Deployment') {
    spec.strategy ??= { type: 'RollingUpdate' };
    const strategy = asObj(spec.strategy);
    if (strategy.type === 'RollingUpdate') strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%', ...asObj(strategy.rollingUpdate) };
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }
  const tmpl = asObj(spec.template);
  const tspec = asObj(tmpl.spec);
  for (const c of [...asList(tspec.initContainers), ...asList(tspec.containers)]) {
    const image = typeof c.image === 'string' ? c.image : '';
    const tag = /:([^/:]+)$/.exec(image.split('@')[0] ?? '')?.[1];
    c.imagePullPolicy ??= image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of asList(c.ports)) p.protocol ??= 'TCP';
  }
  tspec.restartPolicy ??= 'Always';
  tspec.terminationGracePeriodSeconds ??= 30;
  tspec.dnsPolicy ??= 'ClusterFirst';
  tspec.securityContext ??= {};
  tspec.schedulerName ??= 'default-scheduler';
  tmpl.metadata ??= { creationTimestamp: null };
  o.status = {};
}

function selectorImmutable(o: KubeObject, old: KubeObject): FieldError[] {
  const a = asObj(o.spec).selector;
  const b = asObj(old.spec).selector;
  return stable(a) === stable(b) ? [] : [{ field: 'spec.selector', type: 'Invalid value', value: a, detail: 'field is immutable' }];
}

export const STRATEGIES: Record<string, KindStrategy> = {
  Pod: podStrategy,
  Namespace: {
    prepareForCreate: (o) => {
      const meta = o.metadata ?? {};
      meta.labels = { ...meta.labels, 'kubernetes.io/metadata.name': meta.name ?? '' };
      o.metadata = meta;
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
    },
  },
  ServiceAccount: {},
  ConfigMap: {
    validate: (o) => [...validateDataKeys('data', (o as Obj).data), ...validateDataKeys('binaryData', (o as Obj).binaryData)],
    validateUpdate: immutableData,
  },
  Secret: {
    prepareForCreate: (o) => {
      const s = o as Obj;
      if (!s.type) s.type = 'Opaque';
      // stringData is write-only: merged into data (base64) and never stored.
      if (s.stringData && typeof s.stringData === 'object') {
        const data = asObj(s.data);
        for (const [k, v] of Object.entries(s.stringData as Obj)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
        s.data = data;
        delete s.stringData;
      }
    },
    validate: (o) => {
      const s = o as Obj;
      const out = validateDataKeys('data', s.data);
      for (const [k, v] of Object.entries(asObj(s.data)))
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) out.push({ field: `data[${k}]`, type: 'Invalid value', value: '<secret contents redacted>', detail: 'illegal base64 data' });
      return out;
    },
    validateUpdate: (o, old) => [
      ...immutableData(o, old),
      ...((o as Obj).type !== (old as Obj).type ? [{ field: 'type', type: 'Invalid value' as const, value: (o as Obj).type, detail: 'field is immutable' }] : []),
    ],
  },
  Deployment: { prepareForCreate: (o) => defaultWorkload(o, 'Deployment'), validate: (o) => validateWorkload(o, 'Deployment'), validateUpdate: selectorImmutable },
  ReplicaSet: { prepareForCreate: (o) => defaultWorkload(o, 'ReplicaSet'), validate: (o) => validateWorkload(o, 'ReplicaSet'), validateUpdate: selectorImmutable },
  MutatingWebhookConfiguration: {
    prepareForCreate: (o) => {
      for (const wh of asList((o as Obj).webhooks)) {
        wh.failurePolicy ??= 'Fail';
        wh.matchPolicy ??= 'Equivalent';
        wh.namespaceSelector ??= {};
        wh.objectSelector ??= {};
        wh.timeoutSeconds ??= 10;
        wh.reinvocationPolicy ??= 'Never';
      }
    },
    validate: (o) => {
      const out: FieldError[] = [];
      const names = new Set<string>();
      asList((o as Obj).webhooks).forEach((wh, i) => {
        if (typeof wh.name !== 'string' || !wh.name) out.push({ field: `webhooks[${i}].name`, type: 'Required value' });
        else if (names.has(wh.name)) out.push({ field: `webhooks[${i}].name`, type: 'Duplicate value', value: wh.name });
        else names.add(wh.name);
        if (!Array.isArray(wh.admissionReviewVersions) || wh.admissionReviewVersions.length === 0)
          out.push({ field: `webhooks[${i}].admissionReviewVersions`, type: 'Required value', detail: 'must specify one of v1, v1beta1' });
        if (wh.sideEffects === undefined)
          out.push({ field: `webhooks[${i}].sideEffects`, type: 'Required value', detail: 'must specify one of None, NoneOnDryRun' });
      });
      return out;
    },
  },
  Event: {
    validate: (o) => {
      const e = o as Obj;
      const out: FieldError[] = [];
      if (!asObj(e.involvedObject).name && !asObj(e.involvedObject).kind) out.push({ field: 'involvedObject', type: 'Required value' });
      return out;
    },
  },
  Node: {},
};
