/**
 * The downward API as the kubelet resolves it for env (`fieldRef`, `resourceFieldRef`) and for
 * projected `downwardAPI` files, plus reading Secret / ConfigMap data. Pure.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/downward-api/
 */
import type { KubeObject } from '../contracts.js';
import { PodRunnerError } from './errors.js';
import { asObject, podName, podNamespace, podSpec, podStatus, serviceAccountOf, type ContainerSpec } from './pod-spec.js';

/** What the pod does not say about where it "runs": this machine stands in for node and pod network. */
export interface HostFacts {
  readonly nodeName?: string;
  /** Default for `status.podIP` / `status.hostIP` when the pod has none (default 127.0.0.1). */
  readonly ip?: string;
  /** Node allocatable, the kubelet's value for an unset limit. */
  readonly cpus?: number;
  readonly memoryBytes?: number;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

function quoteMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k])}`)
    .join('\n');
}

/** `fieldRef.fieldPath` → value. `metadata.labels`/`annotations` without a key only work in volumes. */
export function fieldRefValue(pod: KubeObject, fieldPath: string, host: HostFacts = {}): string {
  const status = podStatus(pod);
  const ip = host.ip ?? '127.0.0.1';
  const sub = SUBSCRIPT.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[sub[2] as string] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return podName(pod);
    case 'metadata.namespace':
      return podNamespace(pod);
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return quoteMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return quoteMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return (podSpec(pod)['nodeName'] as string | undefined) || host.nodeName || '';
    case 'spec.serviceAccountName':
      return serviceAccountOf(pod);
    case 'status.podIP':
    case 'status.hostIP':
      return (status[fieldPath.slice(7)] as string | undefined) || ip;
    case 'status.podIPs':
    case 'status.hostIPs': {
      const list = Array.isArray(status[fieldPath.slice(7)]) ? (status[fieldPath.slice(7)] as unknown[]) : [];
      const ips = list.map((x) => asObject(x)?.['ip']).filter((x): x is string => typeof x === 'string');
      return ips.length ? ips.join(',') : ip;
    }
    default:
      throw new PodRunnerError('UnsupportedField', `unsupported fieldPath: ${fieldPath}`);
  }
}

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource.Quantity as a number (enough precision for env values). */
export function parseQuantity(q: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) throw new PodRunnerError('UnsupportedField', `invalid quantity \`${q}\``);
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] as number);
}

/**
 * `resourceFieldRef` → value, rounded up to whole divisors like the kubelet
 * (pkg/api/v1/resource ExtractContainerResourceValue). An unset limit is the node's allocatable.
 */
export function resourceFieldValue(container: ContainerSpec, resource: string, divisor: string | undefined, host: HostFacts = {}): string {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(resource);
  if (!m) throw new PodRunnerError('UnsupportedField', `unsupported container resource: ${resource}`);
  const [, kind, name] = m as unknown as [string, 'limits' | 'requests', string];
  const allocatable = name === 'cpu' ? (host.cpus ?? 1) : name === 'memory' ? (host.memoryBytes ?? 0) : 0;
  const limit = container.resources.limits[name];
  const raw = kind === 'limits' ? limit : (container.resources.requests[name] ?? limit);
  const value = raw !== undefined ? parseQuantity(raw) : kind === 'limits' ? allocatable : 0;
  const d = parseQuantity(divisor && divisor !== '0' ? divisor : '1');
  return String(Math.ceil(value / d - 1e-9));
}

/** The decoded data of a Secret (`data` is base64) or ConfigMap (`data`, `binaryData`). */
export function objectData(kind: 'Secret' | 'ConfigMap', obj: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const put = (v: unknown, enc: 'base64' | 'utf8'): void => {
    for (const [k, x] of Object.entries(asObject(v) ?? {})) if (typeof x === 'string') out.set(k, Buffer.from(x, enc));
  };
  if (kind === 'Secret') {
    put(obj['data'], 'base64');
    put(obj['stringData'], 'utf8');
  } else {
    put(obj['binaryData'], 'base64');
    put(obj['data'], 'utf8');
  }
  return out;
}
