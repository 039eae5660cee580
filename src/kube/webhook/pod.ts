/**
 * The parts of a Pod the webhook reads, as plain JSON. Every object keeps its unknown fields: the
 * webhook never re-encodes a container through a typed model (upstream #208/#84 lost native
 * sidecars' `restartPolicy` and `startupProbe` that way).
 *
 * `decodePod` checks only the fields the webhook reads and reports a wrong type with the message Go's
 * `encoding/json` gives for `corev1.Pod` (the admission response carries it, §4.3).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
 */

export interface EnvVar {
  name?: string;
  value?: string;
  [field: string]: unknown;
}

export interface VolumeMount {
  name?: string;
  mountPath?: string;
  readOnly?: boolean;
  [field: string]: unknown;
}

export interface Container {
  name?: string;
  env?: EnvVar[] | null;
  volumeMounts?: VolumeMount[] | null;
  [field: string]: unknown;
}

export interface Volume {
  name?: string;
  [field: string]: unknown;
}

export interface PodSecurityContext {
  fsGroup?: number | null;
  [field: string]: unknown;
}

export interface PodSpec {
  serviceAccountName?: string;
  containers?: Container[] | null;
  initContainers?: Container[] | null;
  volumes?: Volume[] | null;
  nodeSelector?: Record<string, string> | null;
  securityContext?: PodSecurityContext | null;
  os?: { name?: string; [field: string]: unknown } | null;
  [field: string]: unknown;
}

export interface PodMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  [field: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: PodMeta | null;
  spec?: PodSpec | null;
  [field: string]: unknown;
}

export type DecodeResult = { ok: true; pod: Pod } | { ok: false; message: string };

/** Go's name for a JSON value's kind in `json: cannot unmarshal <kind> into …`. */
export function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string | number
}

class TypeMismatch extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mismatch(v: unknown, struct: string, field: string, goType: string): never {
  throw new TypeMismatch(`json: cannot unmarshal ${goJsonKind(v)} into Go struct field ${struct}.${field} of type ${goType}`);
}

/** `null` is always accepted: Go leaves the field at its zero value. */
function expectObject(v: unknown, struct: string, field: string, goType: string): void {
  if (v !== undefined && v !== null && !isObject(v)) mismatch(v, struct, field, goType);
}

function expectString(v: unknown, struct: string, field: string): void {
  if (v !== undefined && v !== null && typeof v !== 'string') mismatch(v, struct, field, 'string');
}

function expectStringMap(v: unknown, struct: string, field: string): void {
  expectObject(v, struct, field, 'map[string]string');
  if (isObject(v)) for (const value of Object.values(v)) expectString(value, struct, field);
}

function expectArray(v: unknown, struct: string, field: string, elemType: string, each: (e: unknown) => void): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) mismatch(v, struct, field, `[]${elemType}`);
  for (const e of v) {
    expectObject(e, struct, field, elemType);
    if (isObject(e)) each(e);
  }
}

function checkContainers(v: unknown, field: string): void {
  expectArray(v, 'PodSpec', field, 'v1.Container', (c) => {
    const o = c as Record<string, unknown>;
    expectString(o['name'], 'Container', `${field}.name`);
    expectArray(o['env'], 'Container', `${field}.env`, 'v1.EnvVar', (e) => expectString((e as Record<string, unknown>)['name'], 'EnvVar', `${field}.env.name`));
    expectArray(o['volumeMounts'], 'Container', `${field}.volumeMounts`, 'v1.VolumeMount', (m) =>
      expectString((m as Record<string, unknown>)['name'], 'VolumeMount', `${field}.volumeMounts.name`),
    );
  });
}

/**
 * Accepts a decoded JSON value as a Pod when the fields the webhook reads have the right JSON types
 * (`null` counts as absent, as in Go). The returned pod is the same object, not a copy.
 */
export function decodePod(value: unknown): DecodeResult {
  if (!isObject(value)) return { ok: false, message: `json: cannot unmarshal ${goJsonKind(value)} into Go value of type v1.Pod` };
  try {
    const meta = value['metadata'];
    expectObject(meta, 'Pod', 'metadata', 'v1.ObjectMeta');
    if (isObject(meta)) {
      expectString(meta['name'], 'ObjectMeta', 'metadata.name');
      expectString(meta['namespace'], 'ObjectMeta', 'metadata.namespace');
      expectStringMap(meta['labels'], 'ObjectMeta', 'metadata.labels');
      expectStringMap(meta['annotations'], 'ObjectMeta', 'metadata.annotations');
    }
    const spec = value['spec'];
    expectObject(spec, 'Pod', 'spec', 'v1.PodSpec');
    if (isObject(spec)) {
      expectString(spec['serviceAccountName'], 'PodSpec', 'spec.serviceAccountName');
      checkContainers(spec['initContainers'], 'spec.initContainers');
      checkContainers(spec['containers'], 'spec.containers');
      expectArray(spec['volumes'], 'PodSpec', 'spec.volumes', 'v1.Volume', (v) => expectString((v as Record<string, unknown>)['name'], 'Volume', 'spec.volumes.name'));
      expectStringMap(spec['nodeSelector'], 'PodSpec', 'spec.nodeSelector');
      const sc = spec['securityContext'];
      expectObject(sc, 'PodSpec', 'spec.securityContext', 'v1.PodSecurityContext');
      if (isObject(sc) && sc['fsGroup'] !== undefined && sc['fsGroup'] !== null && !Number.isInteger(sc['fsGroup'])) {
        mismatch(sc['fsGroup'], 'PodSecurityContext', 'spec.securityContext.fsGroup', 'int64');
      }
      expectObject(spec['os'], 'PodSpec', 'spec.os', 'v1.PodOS');
    }
  } catch (e) {
    if (e instanceof TypeMismatch) return { ok: false, message: e.message };
    throw e;
  }
  return { ok: true, pod: value as Pod };
}

/** `nodeSelector` asks for a Windows node (upstream reads only these two labels, not nodeAffinity). */
export function isWindowsNodeSelector(pod: Pod, keys: readonly string[]): boolean {
  const selector = pod.spec?.nodeSelector ?? {};
  return keys.some((k) => selector[k] === 'windows');
}
