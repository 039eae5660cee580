/**
 * The cluster's control loops, in process: a "kubelet" that schedules and starts pods on the one
 * node, the ReplicaSet and Deployment controllers, and the garbage collector for
 * ownerReferences. They react to the change feed through one serial work queue.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 * @see https://kubernetes.io/docs/concepts/architecture/garbage-collection/
 */
import type { KubeObject } from '../contracts.js';
import { recordEvent } from './events.js';
import { asList, asObj, type Obj } from './kinds/context.js';
import { stable } from './kinds/pod.js';
import { podReady } from './kinds/pod-status.js';
import { changedContainers, podKilled, restartChanged, runPod } from './kubelet.js';
import { clone } from './repository.js';
import { DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, RESOURCES } from './resources.js';
import { timestamp, type KubeService } from './service.js';
import type { ChangeEvent, WatchHub } from './watch-hub.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** A terminating namespace is emptied shortly after, as the namespace controller would. */
const NAMESPACE_FINALIZE_DELAY_MS = 200;

/** The `pod-template-hash`: FNV-32a of the template, encoded like rand.SafeEncodeString. */
export function templateHash(template: unknown): string {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(stable(template), 'utf8')) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return Array.from(String(h), (c) => HASH_ALPHABET[c.charCodeAt(0) % HASH_ALPHABET.length]).join('');
}

function controllerOf(o: KubeObject): { kind: string; name: string; uid: string } | undefined {
  return o.metadata?.ownerReferences?.find((r) => r.controller === true);
}

type Key = string;

export interface Controllers {
  start(): void;
  stop(): Promise<void>;
  /** Resolves once the queue is empty (for tests and orderly shutdown). */
  idle(): Promise<void>;
}

export function createControllers(svc: KubeService, hub: WatchHub, log?: { error(m: string, e?: unknown): void }): Controllers {
  const queue: Key[] = [];
  const queued = new Set<Key>();
  const retries = new Map<Key, number>();
  const timers = new Set<NodeJS.Timeout>();
  let running: Promise<void> | undefined;
  let stopped = true;
  let unsubscribe: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  const now = (): string => timestamp(svc.deps.now());

  const enqueue = (k: Key): void => {
    if (stopped || queued.has(k)) return;
    queued.add(k);
    queue.push(k);
    if (!running) running = drain();
  };

  const later = (k: Key, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      enqueue(k);
    }, ms);
    t.unref();
    timers.add(t);
  };

  const retryLater = (k: Key): void => {
    const n = (retries.get(k) ?? 0) + 1;
    retries.set(k, n);
    later(k, Math.min(60_000, 500 * 2 ** n));
  };

  async function drain(): Promise<void> {
    while (queue.length && !stopped) {
      const k = queue.shift() as Key;
      queued.delete(k);
      try {
        await process_(k);
      } catch (e) {
        log?.error(`kube controller ${k} failed`, e);
      }
    }
    running = undefined;
    for (const w of idleWaiters.splice(0)) w();
  }

  async function process_(k: Key): Promise<void> {
    const [kind, ns, name] = k.split('\u0000') as [string, string, string];
    if (kind === 'pod') {
      await runPod(svc, ns, name);
      return restartChanged(svc, ns, name);
    }
    if (kind === 'rs') return reconcileReplicaSet(ns, name);
    if (kind === 'deploy') return reconcileDeployment(ns, name);
    if (kind === 'gc') return collect(ns, name);
    if (kind === 'ns') return svc.finalizeNamespace(name);
    if (kind === 'resync') return resync();
  }

  const key = (...parts: string[]): Key => parts.join('\u0000');

  function onChange(e: ChangeEvent): void {
    // The process that committed a change reconciles it; another replica's changes are for its watches.
    if (e.remote) return;
    const o = e.object;
    const ns = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    const owner = controllerOf(o);
    if (e.type === 'DELETED' && o.metadata?.uid && RESOURCES.some((r) => r.namespaced && r === e.resource)) enqueue(key('gc', ns, o.metadata.uid));
    if (e.resource === PODS) {
      if (e.type !== 'DELETED' && (!asObj(o.spec).nodeName || changedContainers(o).length)) enqueue(key('pod', ns, name));
      if (owner?.kind === 'ReplicaSet') enqueue(key('rs', ns, owner.name));
      if (e.type === 'DELETED' && asObj(o.spec).nodeName) void podKilled(svc, o, log);
    } else if (e.resource === REPLICA_SETS) {
      if (e.type !== 'DELETED') enqueue(key('rs', ns, name));
      if (owner?.kind === 'Deployment') enqueue(key('deploy', ns, owner.name));
    } else if (e.resource === DEPLOYMENTS && e.type !== 'DELETED') enqueue(key('deploy', ns, name));
    else if (e.resource === NAMESPACES && e.type === 'MODIFIED' && o.metadata?.deletionTimestamp) later(key('ns', '', name), NAMESPACE_FINALIZE_DELAY_MS);
  }

  async function ownedPods(ns: string, uid: string): Promise<KubeObject[]> {
    const { items } = await svc.repo.list(PODS, ns);
    return items.filter((p) => controllerOf(p)?.uid === uid && !p.metadata?.deletionTimestamp);
  }

  async function reconcileReplicaSet(ns: string, name: string): Promise<void> {
    const rs = await svc.repo.get(REPLICA_SETS, ns, name);
    if (!rs) return;
    const uid = rs.metadata?.uid ?? '';
    const spec = asObj(rs.spec);
    const want = Number(spec.replicas ?? 1);
    let pods = await ownedPods(ns, uid);
    const tmpl = asObj(spec.template);
    const tmeta = asObj(tmpl.metadata);
    let failed = false;
    for (let i = pods.length; i < want; i++) {
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: `${name}-`,
          namespace: ns,
          labels: { ...(tmeta.labels as Record<string, string> | undefined) },
          ...(tmeta.annotations ? { annotations: { ...(tmeta.annotations as Record<string, string>) } } : {}),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid, controller: true, blockOwnerDeletion: true } as NonNullable<KubeObject['metadata']>['ownerReferences'] extends (infer T)[] | undefined ? T : never],
        },
        spec: clone(tmpl.spec) as Obj,
      };
      try {
        const created = await svc.create(PODS, ns, pod, { fieldValidation: 'Ignore' });
        await svc.write((w) => recordEvent(w, { involved: rs, reason: 'SuccessfulCreate', message: `Created pod: ${created.metadata?.name ?? ''}`, component: 'replicaset-controller' }, svc.deps.now(), svc.uid()));
      } catch (e) {
        failed = true;
        const message = `Error creating: ${(e as Error).message}`;
        await svc.write((w) => recordEvent(w, { involved: rs, reason: 'FailedCreate', message, type: 'Warning', component: 'replicaset-controller' }, svc.deps.now(), svc.uid()));
        break;
      }
    }
    if (pods.length > want) {
      // Not-yet-running pods go first, then the newest (ReplicaSet controller's ranking, simplified).
      const victims = [...pods].sort((a, b) => Number(podReady(a)) - Number(podReady(b)) || String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)) || String(b.metadata?.name).localeCompare(String(a.metadata?.name))).slice(0, pods.length - want);
      for (const p of victims) {
        try {
          await svc.delete(PODS, ns, p.metadata?.name ?? '');
          await svc.write((w) => recordEvent(w, { involved: rs, reason: 'SuccessfulDelete', message: `Deleted pod: ${p.metadata?.name ?? ''}`, component: 'replicaset-controller' }, svc.deps.now(), svc.uid()));
        } catch {
          // already gone
        }
      }
    }
    pods = await ownedPods(ns, uid);
    const k = key('rs', ns, name);
    if (failed) retryLater(k);
    else retries.delete(k);
    const ready = pods.filter(podReady).length;
    const status = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata?.generation ?? 1,
    };
    await svc.mutate(REPLICA_SETS, ns, name, (o) => (stable(o.status) === stable(status) ? undefined : { ...o, status }), 'status');
  }

  async function reconcileDeployment(ns: string, name: string): Promise<void> {
    const d = await svc.repo.get(DEPLOYMENTS, ns, name);
    if (!d) return;
    const uid = d.metadata?.uid ?? '';
    const spec = asObj(d.spec);
    const desired = Number(spec.replicas ?? 1);
    const tmpl = asObj(spec.template);
    const hash = templateHash(tmpl);
    const all = (await svc.repo.list(REPLICA_SETS, ns)).items.filter((rs) => controllerOf(rs)?.uid === uid);
    let current = all.find((rs) => rs.metadata?.labels?.['pod-template-hash'] === hash);
    const olds = all.filter((rs) => rs !== current);
    const revision = (rs: KubeObject): number => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const scaleEvent = (rsName: string, from: number, to: number): Promise<void> =>
      svc.write((w) =>
        recordEvent(w, { involved: d, reason: 'ScalingReplicaSet', message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rsName} from ${from} to ${to}`, component: 'deployment-controller' }, svc.deps.now(), svc.uid()),
      );
    const annotations = (rev: number): Record<string, string> => ({
      'deployment.kubernetes.io/desired-replicas': String(desired),
      'deployment.kubernetes.io/max-replicas': String(desired + Math.ceil(desired * 0.25)),
      'deployment.kubernetes.io/revision': String(rev),
    });
    if (!current) {
      const tmeta = asObj(tmpl.metadata);
      const labels = { ...(tmeta.labels as Record<string, string> | undefined), 'pod-template-hash': hash };
      const sel = asObj(spec.selector);
      const rsName = `${name}-${hash}`;
      const rev = Math.max(0, ...olds.map(revision)) + 1;
      current = await svc.create(REPLICA_SETS, ns, {
        metadata: {
          name: rsName,
          namespace: ns,
          labels,
          annotations: annotations(rev),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true } as never],
        },
        spec: {
          replicas: desired,
          selector: { ...sel, matchLabels: { ...asObj(sel.matchLabels), 'pod-template-hash': hash } },
          template: { ...tmpl, metadata: { ...tmeta, labels } },
        },
      });
      if (desired > 0) await scaleEvent(rsName, 0, desired);
    } else {
      const have = Number(asObj(current.spec).replicas ?? 0);
      const rsName = current.metadata?.name ?? '';
      if (have !== desired || current.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'] !== String(desired)) {
        const rev = revision(current) || 1;
        current =
          (await svc.mutate(REPLICA_SETS, ns, rsName, (o) => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata?.annotations, ...annotations(rev) } }, spec: { ...asObj(o.spec), replicas: desired } }))) ?? current;
        if (have !== desired) await scaleEvent(rsName, have, desired);
      }
    }
    for (const old of olds) {
      const have = Number(asObj(old.spec).replicas ?? 0);
      if (have > 0) {
        await svc.mutate(REPLICA_SETS, ns, old.metadata?.name ?? '', (o) => ({ ...o, spec: { ...asObj(o.spec), replicas: 0 } }));
        await scaleEvent(old.metadata?.name ?? '', have, 0);
      }
    }
    const limit = Number(spec.revisionHistoryLimit ?? 10);
    const idle = olds.filter((rs) => Number(asObj(rs.status).replicas ?? 0) === 0 && Number(asObj(rs.spec).replicas ?? 0) === 0).sort((a, b) => revision(a) - revision(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) await svc.delete(REPLICA_SETS, ns, rs.metadata?.name ?? '').catch(() => undefined);
    await updateDeploymentStatus(d, current, olds);
  }

  async function updateDeploymentStatus(d: KubeObject, current: KubeObject, olds: KubeObject[]): Promise<void> {
    const ns = d.metadata?.namespace ?? '';
    const name = d.metadata?.name ?? '';
    const fresh = await Promise.all([current, ...olds].map(async (rs) => (await svc.repo.get(REPLICA_SETS, ns, rs.metadata?.name ?? '')) ?? rs));
    const st = (rs: KubeObject, k: string): number => Number(asObj(rs.status)[k] ?? 0);
    const desired = Number(asObj(d.spec).replicas ?? 1);
    const sum = (k: string): number => fresh.reduce((n, rs) => n + st(rs, k), 0);
    const cur = fresh[0] as KubeObject;
    const available = sum('availableReplicas');
    const updated = st(cur, 'replicas');
    const total = sum('replicas');
    const maxUnavailable = Math.floor(desired * 0.25);
    const rsName = cur.metadata?.name ?? '';
    const complete = updated === desired && total === desired && available === desired;
    const wantConditions = [
      available >= desired - maxUnavailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      complete
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }
        : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` },
    ];
    await svc.mutate(
      DEPLOYMENTS,
      ns,
      name,
      (o) => {
        const old = asObj(o.status);
        const oldConds = asList(old.conditions);
        const ts = now();
        const conditions = wantConditions.map((c) => {
          const prev = oldConds.find((x) => x.type === c.type);
          const same = prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message;
          return {
            ...c,
            lastUpdateTime: same ? prev.lastUpdateTime : ts,
            lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : ts,
          };
        });
        const status: Obj = {
          observedGeneration: o.metadata?.generation ?? 1,
          replicas: total,
          updatedReplicas: updated,
          readyReplicas: sum('readyReplicas'),
          availableReplicas: available,
          ...(total - available > 0 ? { unavailableReplicas: total - available } : {}),
          conditions,
        };
        for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
        return stable(status) === stable(old) ? undefined : { ...o, status };
      },
      'status',
    );
  }

  /** Background cascading deletion: dependents of a deleted owner go too. */
  async function collect(ns: string, ownerUid: string): Promise<void> {
    for (const r of [REPLICA_SETS, PODS]) {
      const { items } = await svc.repo.list(r, ns);
      for (const o of items) {
        if (o.metadata?.ownerReferences?.some((ref) => ref.uid === ownerUid)) await svc.delete(r, ns, o.metadata?.name ?? '').catch(() => undefined);
      }
    }
  }

  /** After a restart: finish what the loops had not, and collect orphans. */
  async function resync(): Promise<void> {
    for (const n of (await svc.repo.list(NAMESPACES)).items) if (n.metadata?.deletionTimestamp) enqueue(key('ns', '', n.metadata.name ?? ''));
    const uids = new Set<string>();
    for (const r of [DEPLOYMENTS, REPLICA_SETS]) for (const o of (await svc.repo.list(r)).items) uids.add(o.metadata?.uid ?? '');
    for (const d of (await svc.repo.list(DEPLOYMENTS)).items) enqueue(key('deploy', d.metadata?.namespace ?? '', d.metadata?.name ?? ''));
    for (const r of [REPLICA_SETS, PODS]) {
      for (const o of (await svc.repo.list(r)).items) {
        const ns = o.metadata?.namespace ?? '';
        const owner = controllerOf(o);
        if (owner && (owner.kind === 'Deployment' || owner.kind === 'ReplicaSet') && !uids.has(owner.uid)) enqueue(key('gc', ns, owner.uid));
        else if (r === REPLICA_SETS) enqueue(key('rs', ns, o.metadata?.name ?? ''));
        else if (!asObj(o.spec).nodeName) enqueue(key('pod', ns, o.metadata?.name ?? ''));
      }
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = hub.subscribe(onChange);
      enqueue(key('resync', '', ''));
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      queue.length = 0;
      queued.clear();
      await running;
    },
    idle() {
      if (!running) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
