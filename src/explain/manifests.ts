import type { KubeObject } from '../kube/contracts.js';

/**
 * A cluster as its manifests describe it, for offline analysis (`irsa analyze --manifests DIR`).
 * Takes documents already parsed (src/cli/analyze-io.ts reads the files and parses YAML/JSON),
 * keeps ServiceAccounts, Pods and Namespaces, and turns each workload's pod template
 * (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob) into a
 * pseudo-pod named after the workload. `List` kinds are read item by item. Objects without a
 * namespace are in `default`, as `kubectl apply` without `-n` puts them; a pod without
 * `serviceAccountName` runs as `default`, as the API server defaults it.
 */

export interface ManifestDocument {
  /** The file, as the user named it (relative to the manifests directory). */
  readonly path: string;
  /** 1-based position of the document in its file. */
  readonly index: number;
  /** 1-based line where the document starts, when known. */
  readonly line?: number;
  readonly value: unknown;
}

export class ManifestError extends Error {
  constructor(
    readonly path: string,
    readonly document: number,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${path}: document ${document}${line !== undefined ? ` (line ${line})` : ''}: ${reason}`);
    this.name = 'ManifestError';
  }
}

export type WorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob';

/** Where an object came from. */
export interface ManifestOrigin {
  readonly path: string;
  readonly document: number;
  readonly line?: number;
  /** For a pseudo-pod: the workload's kind; `Pod` for a pod; else the object's kind. */
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
}

export interface ClusterModel {
  readonly counts: { readonly serviceAccounts: number; readonly pods: number; readonly namespaces: number; readonly documents: number };
  /** Notes that do not stop the analysis: duplicates (the later one wins), documents without a kind. */
  readonly warnings: readonly string[];
  /** Namespaces declared by a Namespace object or used by an object, sorted. */
  namespaces(): string[];
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  serviceAccounts(namespace?: string): KubeObject[];
  /** A pod or a workload's pseudo-pod by name (a real pod first). */
  pod(namespace: string, name: string): KubeObject | undefined;
  pods(namespace?: string): KubeObject[];
  /** Pods and pseudo-pods whose `serviceAccountName` is `serviceAccount` in `namespace`. */
  podsUsing(namespace: string, serviceAccount: string): KubeObject[];
  origin(object: KubeObject): ManifestOrigin | undefined;
}

const MAX_OBJECTS = 200_000;
const MAX_LIST_DEPTH = 2;
const WORKLOADS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class ClusterModelImpl implements ClusterModel {
  readonly sas = new Map<string, KubeObject>();
  readonly podMap = new Map<string, KubeObject>();
  readonly declaredNamespaces = new Set<string>();
  readonly origins = new WeakMap<KubeObject, ManifestOrigin>();
  readonly warnings: string[] = [];
  documents = 0;

  get counts(): ClusterModel['counts'] {
    return { serviceAccounts: this.sas.size, pods: this.podMap.size, namespaces: this.namespaces().length, documents: this.documents };
  }

  namespaces(): string[] {
    const all = new Set(this.declaredNamespaces);
    for (const o of [...this.sas.values(), ...this.podMap.values()]) all.add(o.metadata?.namespace as string);
    return [...all].sort();
  }

  serviceAccount(namespace: string, name: string): KubeObject | undefined {
    return this.sas.get(`${namespace}/${name}`);
  }

  serviceAccounts(namespace?: string): KubeObject[] {
    return [...this.sas.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  pod(namespace: string, name: string): KubeObject | undefined {
    return this.podMap.get(`Pod/${namespace}/${name}`) ?? this.pods(namespace).find((p) => p.metadata?.name === name);
  }

  pods(namespace?: string): KubeObject[] {
    return [...this.podMap.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  podsUsing(namespace: string, serviceAccount: string): KubeObject[] {
    return this.pods(namespace).filter((p) => (p['spec'] as Obj)['serviceAccountName'] === serviceAccount);
  }

  origin(object: KubeObject): ManifestOrigin | undefined {
    return this.origins.get(object);
  }
}

export function loadManifests(documents: Iterable<ManifestDocument>): ClusterModel {
  const m = new ClusterModelImpl();
  let objects = 0;
  for (const doc of documents) {
    m.documents++;
    const fail = (where: string, reason: string): never => {
      throw new ManifestError(doc.path, doc.index, where ? `${where}: ${reason}` : reason, doc.line);
    };
    const visit = (value: unknown, where: string, depth: number): void => {
      if (++objects > MAX_OBJECTS) fail(where, `more than ${MAX_OBJECTS} objects in the manifests`);
      if (value === null || value === undefined) return;
      if (!isObject(value)) return fail(where, `expected a Kubernetes object, got ${Array.isArray(value) ? 'a list' : typeof value}`);
      const kind = value['kind'];
      if (kind === undefined) {
        m.warnings.push(`${doc.path}: document ${doc.index}${where ? ` ${where}` : ''}: no kind, skipped`);
        return;
      }
      if (typeof kind !== 'string') return fail(where, 'kind must be a string');
      if (kind.endsWith('List') && 'items' in value) {
        if (depth >= MAX_LIST_DEPTH) return fail(where, 'a List nested in a List');
        const items = value['items'];
        if (items === null) return;
        if (!Array.isArray(items)) return fail(where, `${kind}.items must be a list`);
        items.forEach((item, i) => visit(item, `${where ? `${where}.` : ''}items[${i}]`, depth + 1));
        return;
      }
      if (kind !== 'ServiceAccount' && kind !== 'Pod' && kind !== 'Namespace' && !WORKLOADS.has(kind)) return;
      const label = (meta: Meta): string => `${kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`;
      const meta = readMeta(value['metadata'], kind === 'Namespace', (r) => fail(where, `${kind}: ${r}`));
      const add = (key: string, map: Map<string, KubeObject>, obj: KubeObject, originKind: string): void => {
        const before = map.get(key);
        if (before) {
          const o = m.origins.get(before);
          m.warnings.push(`${label(meta)} is defined twice: ${o ? `${o.path} document ${o.document}` : 'earlier'} and ${doc.path} document ${doc.index}; using the latter`);
        }
        map.set(key, obj);
        m.origins.set(obj, { path: doc.path, document: doc.index, ...(doc.line !== undefined ? { line: doc.line } : {}), kind: originKind, namespace: meta.namespace, name: meta.name });
      };
      const ns = meta.namespace as string;
      if (kind === 'Namespace') {
        m.declaredNamespaces.add(meta.name);
        return;
      }
      if (kind === 'ServiceAccount') {
        add(`${ns}/${meta.name}`, m.sas, { ...value, metadata: meta.object } as KubeObject, kind);
        return;
      }
      const at = (r: string): never => fail(where, `${label(meta)}: ${r}`);
      let podMeta: Meta;
      let spec: Obj;
      if (kind === 'Pod') {
        podMeta = meta;
        spec = readObject(value['spec'], 'spec', at);
      } else {
        const wspec = readObject(value['spec'], 'spec', at);
        let template: Obj;
        let tpath: string;
        if (kind === 'CronJob') {
          const jobTemplate = readObject(wspec['jobTemplate'], 'spec.jobTemplate', at);
          template = readObject(readObject(jobTemplate['spec'], 'spec.jobTemplate.spec', at)['template'], 'spec.jobTemplate.spec.template', at);
          tpath = 'spec.jobTemplate.spec.template';
        } else {
          template = readObject(wspec['template'], 'spec.template', at);
          tpath = 'spec.template';
        }
        // A template's metadata has no name: the pseudo-pod is named after the workload.
        const tmeta = readMeta(template['metadata'] ?? {}, true, (r) => at(`${tpath}.${r}`), true);
        podMeta = { name: meta.name, namespace: ns, object: { ...tmeta.object, name: meta.name, namespace: ns } };
        spec = readObject(template['spec'], `${tpath}.spec`, at);
      }
      const podSpec = readPodSpec(spec, (r) => at(`${kind === 'Pod' ? 'spec' : kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec'}.${r}`));
      const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: podMeta.object, spec: podSpec };
      add(`${kind}/${ns}/${meta.name}`, m.podMap, pod, kind);
    };
    visit(doc.value, '', 0);
  }
  return m;
}

interface Meta {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly object: KubeObject['metadata'] & object;
}

function readObject(v: unknown, where: string, fail: (reason: string) => never): Obj {
  if (!isObject(v)) return fail(`${where} ${v === undefined || v === null ? 'is missing' : 'must be an object'}`);
  return v;
}

function readMeta(v: unknown, clusterScoped: boolean, fail: (reason: string) => never, template = false): Meta {
  if (!isObject(v)) return fail(v === undefined ? 'metadata is missing' : 'metadata must be an object');
  const name = v['name'] ?? v['generateName'];
  if (!template && (typeof name !== 'string' || name === '')) return fail('metadata.name is missing');
  const namespace = v['namespace'];
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') return fail('metadata.namespace must be a string');
  for (const field of ['annotations', 'labels']) {
    const map = v[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) return fail(`metadata.${field} must be a map of strings`);
    for (const [k, x] of Object.entries(map)) {
      if (typeof x !== 'string') return fail(`metadata.${field}["${k}"] must be a string, got ${x === null ? 'null' : typeof x} (quote the value in YAML)`);
    }
  }
  const ns = clusterScoped ? undefined : typeof namespace === 'string' && namespace !== '' ? namespace : 'default';
  return { name: typeof name === 'string' ? name : '', namespace: ns, object: { ...v, ...(ns !== undefined ? { namespace: ns } : {}) } };
}

/** Checks the parts of a pod spec the explainer reads; defaults `serviceAccountName` as the API server does. */
function readPodSpec(spec: Obj, fail: (reason: string) => never): Obj {
  const sa = spec['serviceAccountName'] ?? spec['serviceAccount'];
  if (sa !== undefined && sa !== null && (typeof sa !== 'string' || sa === '')) return fail('serviceAccountName must be a non-empty string');
  for (const field of ['containers', 'initContainers', 'volumes']) {
    const list = spec[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return fail(`${field} must be a list`);
    list.forEach((c, i) => {
      if (!isObject(c)) fail(`${field}[${i}] must be an object`);
      if (field === 'volumes') return;
      for (const sub of ['env', 'volumeMounts']) {
        const l = (c as Obj)[sub];
        if (l !== undefined && l !== null && (!Array.isArray(l) || !l.every(isObject))) fail(`${field}[${i}].${sub} must be a list of objects`);
      }
    });
  }
  return { ...spec, serviceAccountName: typeof sa === 'string' ? sa : 'default' };
}
