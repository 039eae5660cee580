/**
 * Read-only views of the parts of a Pod spec the pod runner uses, decoded defensively from the
 * stored JSON (the embedded API stores pods as plain objects, so nothing here trusts a field's type).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
 */
import type { KubeObject } from '../contracts.js';

export interface KeyRef {
  readonly name: string;
  readonly key: string;
  readonly optional: boolean;
}

export interface EnvVarSpec {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly resourceFieldRef?: { readonly resource: string; readonly divisor?: string; readonly containerName?: string };
    readonly secretKeyRef?: KeyRef;
    readonly configMapKeyRef?: KeyRef;
  };
}

export interface EnvFromSpec {
  readonly prefix: string;
  readonly configMapRef?: { readonly name: string; readonly optional: boolean };
  readonly secretRef?: { readonly name: string; readonly optional: boolean };
}

export interface VolumeMountSpec {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly env: readonly EnvVarSpec[];
  readonly envFrom: readonly EnvFromSpec[];
  readonly volumeMounts: readonly VolumeMountSpec[];
  readonly resources: { readonly limits: Record<string, string>; readonly requests: Record<string, string> };
}

export type ContainerKind = 'containers' | 'initContainers' | 'ephemeralContainers';

type Json = Record<string, unknown>;

export function asObject(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(asObject(v) ?? {})) {
    if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  }
  return out;
}

function keyRef(v: unknown): KeyRef | undefined {
  const o = asObject(v);
  const name = str(o?.['name']);
  const key = str(o?.['key']);
  return o && name !== undefined && key !== undefined ? { name, key, optional: o['optional'] === true } : undefined;
}

function nameRef(v: unknown): { name: string; optional: boolean } | undefined {
  const o = asObject(v);
  const name = str(o?.['name']);
  return o && name !== undefined ? { name, optional: o['optional'] === true } : undefined;
}

function envVar(v: unknown): EnvVarSpec | undefined {
  const o = asObject(v);
  const name = str(o?.['name']);
  if (!o || !name) return undefined;
  const from = asObject(o['valueFrom']);
  if (!from) return { name, value: str(o['value']) ?? '' };
  const fieldPath = str(asObject(from['fieldRef'])?.['fieldPath']);
  const rf = asObject(from['resourceFieldRef']);
  const resource = str(rf?.['resource']);
  return {
    name,
    valueFrom: {
      ...(fieldPath !== undefined ? { fieldRef: { fieldPath } } : {}),
      ...(rf && resource !== undefined
        ? { resourceFieldRef: { resource, divisor: rf['divisor'] === undefined ? undefined : String(rf['divisor']), containerName: str(rf['containerName']) } }
        : {}),
      ...(keyRef(from['secretKeyRef']) ? { secretKeyRef: keyRef(from['secretKeyRef']) } : {}),
      ...(keyRef(from['configMapKeyRef']) ? { configMapKeyRef: keyRef(from['configMapKeyRef']) } : {}),
    },
  };
}

function containerSpec(v: unknown): ContainerSpec | undefined {
  const o = asObject(v);
  const name = str(o?.['name']);
  if (!o || !name) return undefined;
  const resources = asObject(o['resources']);
  return {
    name,
    env: asArray(o['env']).map(envVar).filter((e): e is EnvVarSpec => e !== undefined),
    envFrom: asArray(o['envFrom']).flatMap((x) => {
      const f = asObject(x);
      if (!f) return [];
      const configMapRef = nameRef(f['configMapRef']);
      const secretRef = nameRef(f['secretRef']);
      return [{ prefix: str(f['prefix']) ?? '', ...(configMapRef ? { configMapRef } : {}), ...(secretRef ? { secretRef } : {}) }];
    }),
    volumeMounts: asArray(o['volumeMounts']).flatMap((x) => {
      const m = asObject(x);
      const name = str(m?.['name']);
      const mountPath = str(m?.['mountPath']);
      const subPath = str(m?.['subPath']);
      return m && name && mountPath ? [{ name, mountPath, ...(subPath ? { subPath } : {}) }] : [];
    }),
    resources: { limits: strMap(resources?.['limits']), requests: strMap(resources?.['requests']) },
  };
}

export function podSpec(pod: KubeObject): Json {
  return asObject(pod['spec']) ?? {};
}

export function podStatus(pod: KubeObject): Json {
  return asObject(pod['status']) ?? {};
}

export function containersOf(pod: KubeObject, kind: ContainerKind): ContainerSpec[] {
  return asArray(podSpec(pod)[kind])
    .map(containerSpec)
    .filter((c): c is ContainerSpec => c !== undefined);
}

/** `spec.serviceAccountName`, its deprecated alias `spec.serviceAccount`, else `default` (as admission sets it). */
export function serviceAccountOf(pod: KubeObject): string {
  const spec = podSpec(pod);
  return str(spec['serviceAccountName']) || str(spec['serviceAccount']) || 'default';
}

export function podVolumes(pod: KubeObject): Json[] {
  return asArray(podSpec(pod)['volumes'])
    .map(asObject)
    .filter((v): v is Json => v !== undefined && typeof v['name'] === 'string');
}

export function podName(pod: KubeObject): string {
  return pod.metadata?.name ?? '';
}

export function podNamespace(pod: KubeObject): string {
  return pod.metadata?.namespace || 'default';
}
