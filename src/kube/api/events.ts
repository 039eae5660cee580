/**
 * core/v1 Events the cluster's components would record (scheduler, kubelet, controllers), so
 * `kubectl describe` and `kubectl get events` look like a real cluster's.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/
 */
import type { KubeObject } from '../contracts.js';
import type { Writer } from './repository.js';
import { apiVersionOf, EVENTS, findByKind, NAMESPACES } from './resources.js';

export interface EventSpec {
  readonly involved: KubeObject;
  readonly reason: string;
  readonly message: string;
  readonly type?: 'Normal' | 'Warning';
  readonly component: string;
  readonly host?: string;
  readonly fieldPath?: string;
}

let sequence = 0;

/** Records one event in the writer's transaction; names are `<object>.<hex time>` like client-go's recorder. */
export async function recordEvent(w: Writer, e: EventSpec, now: Date, uid: string): Promise<void> {
  const meta = e.involved.metadata ?? {};
  const r = findByKind(e.involved.apiVersion ?? '', e.involved.kind ?? '');
  const namespace = meta.namespace || 'default';
  // Never leave events behind in a namespace that is gone.
  if (!(await w.get(NAMESPACES, undefined, namespace))) return;
  const stamp = BigInt(now.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000);
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ev: KubeObject = {
    metadata: { name: `${meta.name ?? 'unknown'}.${stamp.toString(16)}`, namespace, uid, creationTimestamp: ts },
    involvedObject: {
      kind: e.involved.kind,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      apiVersion: r ? apiVersionOf(r) : e.involved.apiVersion,
      resourceVersion: meta.resourceVersion,
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type: e.type ?? 'Normal',
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  };
  await w.create(EVENTS, ev);
}
