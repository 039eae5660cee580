/**
 * `meta.k8s.io/v1` Table responses with the columns kube-apiserver's printers use
 * (pkg/printers/internalversion/printers.go), so `kubectl get` output matches a real cluster.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
 */
import type { KubeObject } from '../contracts.js';
import { asList, asObj } from './kinds/context.js';
import type { ResourceDef } from './resources.js';

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format?: string;
  readonly priority?: number;
  readonly description: string;
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(ts));
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };
const col = (name: string, type: Column['type'] = 'string', priority = 0, description = ''): Column => ({ name, type, priority, description: description || name });

interface Printer {
  readonly columns: readonly Column[];
  cells(o: KubeObject, now: Date): unknown[];
}

const age = (o: KubeObject, now: Date): string => since(o.metadata?.creationTimestamp, now);

function podStatusReason(o: KubeObject): string {
  const st = asObj(o.status);
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  let reason = (st.reason as string) || (st.phase as string) || 'Pending';
  for (const cs of asList(st.initContainerStatuses)) {
    const state = asObj(cs.state);
    const w = asObj(state.waiting);
    if (w.reason && w.reason !== 'PodInitializing') return `Init:${String(w.reason)}`;
  }
  for (const cs of asList(st.containerStatuses)) {
    const state = asObj(cs.state);
    const w = asObj(state.waiting);
    const t = asObj(state.terminated);
    if (w.reason) reason = String(w.reason);
    else if (t.reason) reason = String(t.reason);
  }
  return reason;
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'string', 1, 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      col('Node', 'string', 1, 'NodeName is a request to schedule this pod onto a specific node.'),
      col('Nominated Node', 'string', 1, 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
      col('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    cells: (o, now) => {
      const spec = asObj(o.spec);
      const st = asObj(o.status);
      const statuses = asList(st.containerStatuses);
      const total = asList(spec.containers).length;
      const ready = statuses.filter((c) => c.ready === true).length;
      const restarts = statuses.reduce((n, c) => n + (Number(c.restartCount) || 0), 0);
      const gates = asList(spec.readinessGates);
      return [
        o.metadata?.name,
        `${ready}/${total}`,
        podStatusReason(o),
        String(restarts),
        age(o, now),
        (st.podIP as string) || '<none>',
        (spec.nodeName as string) || '<none>',
        (st.nominatedNodeName as string) || '<none>',
        gates.length ? `0/${gates.length}` : '<none>',
      ];
    },
  },
  Namespace: { columns: [NAME, col('Status', 'string', 0, 'The status of the namespace'), AGE], cells: (o, now) => [o.metadata?.name, asObj(o.status).phase ?? '', age(o, now)] },
  ServiceAccount: {
    columns: [NAME, col('Secrets', 'string', 0, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
    cells: (o, now) => [o.metadata?.name, asList((o as Record<string, unknown>).secrets).length, age(o, now)],
  },
  Secret: {
    columns: [NAME, col('Type', 'string', 0, 'The type of the secret'), col('Data', 'string', 0, 'The number of entries in the data'), AGE],
    cells: (o, now) => {
      const s = o as Record<string, unknown>;
      return [o.metadata?.name, s.type ?? 'Opaque', Object.keys(asObj(s.data)).length + Object.keys(asObj(s.stringData)).length, age(o, now)];
    },
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'string', 0, 'The number of entries in the data'), AGE],
    cells: (o, now) => {
      const s = o as Record<string, unknown>;
      return [o.metadata?.name, Object.keys(asObj(s.data)).length + Object.keys(asObj(s.binaryData)).length, age(o, now)];
    },
  },
  Event: {
    columns: [
      col('Last Seen', 'string', 0, 'Time when last event occurred'),
      col('Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'string', 0, 'Reason for the transition into the object\'s current status'),
      col('Object', 'string', 0, 'Object this event is about'),
      col('Subobject', 'string', 1, 'Subobject this event is about'),
      col('Source', 'string', 1, 'The component reporting this event'),
      col('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 1, 'The time at which the event was first recorded'),
      col('Count', 'string', 1, 'The number of times this event has occurred'),
      { ...NAME, priority: 1 },
    ],
    cells: (o, now) => {
      const e = o as Record<string, unknown>;
      const io = asObj(e.involvedObject);
      const src = asObj(e.source);
      const last = (e.lastTimestamp as string) || (e.eventTime as string) || o.metadata?.creationTimestamp;
      const first = (e.firstTimestamp as string) || (e.eventTime as string) || o.metadata?.creationTimestamp;
      const count = Number(e.count) || 1;
      const lastSeen = since(last, now);
      return [
        count > 1 ? `${lastSeen} (x${count} over ${since(first, now)})` : lastSeen,
        e.type ?? '',
        e.reason ?? '',
        `${String(io.kind ?? '').toLowerCase()}/${String(io.name ?? '')}`,
        io.fieldPath ?? '',
        src.host ? `${String(src.component ?? '')}, ${String(src.host)}` : (src.component ?? e.reportingComponent ?? ''),
        String(e.message ?? '').trim(),
        since(first, now),
        count,
        o.metadata?.name,
      ];
    },
  },
  Deployment: {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'Number of the pod with ready state'),
      col('Up-to-date', 'integer', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'integer', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE,
      col('Containers', 'string', 1, 'Names of each container in the template.'),
      col('Images', 'string', 1, 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    cells: (o, now) => workloadCells(o, now, true),
  },
  ReplicaSet: {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, 'The number of ready replicas for this replica set.'),
      AGE,
      col('Containers', 'string', 1, 'Names of each container in the template.'),
      col('Images', 'string', 1, 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, 'Selector is a label query over pods that should match the replica count.'),
    ],
    cells: (o, now) => workloadCells(o, now, false),
  },
  Node: {
    columns: [
      NAME,
      col('Status', 'string', 0, 'The status of the node'),
      col('Roles', 'string', 0, 'The roles of the node'),
      AGE,
      col('Version', 'string', 0, 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 1, 'List of internal IPs.'),
      col('External-IP', 'string', 1, 'List of external IPs.'),
      col('OS-Image', 'string', 1, 'OS image reported by the node.'),
      col('Kernel-Version', 'string', 1, 'Kernel version reported by the node.'),
      col('Container-Runtime', 'string', 1, 'Container runtime reported by the node.'),
    ],
    cells: (o, now) => {
      const st = asObj(o.status);
      const ready = asList(st.conditions).find((c) => c.type === 'Ready');
      const info = asObj(st.nodeInfo);
      const addr = (t: string): string => String(asList(st.addresses).find((a) => a.type === t)?.address ?? '<none>');
      const roles = Object.keys(o.metadata?.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length));
      return [
        o.metadata?.name,
        ready?.status === 'True' ? 'Ready' : 'NotReady',
        roles.length ? roles.join(',') : '<none>',
        age(o, now),
        info.kubeletVersion ?? '',
        addr('InternalIP'),
        addr('ExternalIP'),
        info.osImage ?? '',
        info.kernelVersion ?? '',
        info.containerRuntimeVersion ?? '',
      ];
    },
  },
  MutatingWebhookConfiguration: {
    columns: [NAME, col('Webhooks', 'integer', 0, 'Webhooks indicates the number of webhooks.'), AGE],
    cells: (o, now) => [o.metadata?.name, asList((o as Record<string, unknown>).webhooks).length, age(o, now)],
  },
};

/** A LabelSelector as kubectl prints it (`app=web,tier in (a,b)`). */
export function selectorString(sel: unknown): string {
  const s = asObj(sel);
  const parts = Object.entries(asObj(s.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of asList(s.matchExpressions)) {
    const vals = Array.isArray(e.values) ? e.values.join(',') : '';
    if (e.operator === 'In') parts.push(`${String(e.key)} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${String(e.key)} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(String(e.key));
    else if (e.operator === 'DoesNotExist') parts.push(`!${String(e.key)}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function workloadCells(o: KubeObject, now: Date, deployment: boolean): unknown[] {
  const spec = asObj(o.spec);
  const st = asObj(o.status);
  const containers = asList(asObj(asObj(spec.template).spec).containers);
  const tail = [age(o, now), containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), selectorString(spec.selector)];
  const desired = Number(spec.replicas ?? 1);
  if (deployment) return [o.metadata?.name, `${Number(st.readyReplicas) || 0}/${desired}`, Number(st.updatedReplicas) || 0, Number(st.availableReplicas) || 0, ...tail];
  return [o.metadata?.name, desired, Number(st.replicas) || 0, Number(st.readyReplicas) || 0, ...tail];
}

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata?.name, age(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  const { managedFields: _m, ...metadata } = o.metadata ?? {};
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function toTable(r: ResourceDef, items: readonly KubeObject[], now: Date, opts: { resourceVersion?: string; include?: IncludeObject; noHeaders?: boolean } = {}): Record<string, unknown> {
  const p = PRINTERS[r.kind] ?? DEFAULT_PRINTER;
  const include = opts.include ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: opts.noHeaders ? null : p.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows: items.map((o) => {
      const obj = rowObject(o, include);
      return { cells: p.cells(o, now), ...(obj ? { object: obj } : {}) };
    }),
  };
}
