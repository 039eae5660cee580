/**
 * The scheduler and kubelet of the one node: binding, a Running status, container restarts on
 * image updates, and the events they record.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
 */
import type { KubeObject } from '../contracts.js';
import { recordEvent } from './events.js';
import { asList, asObj, type Obj } from './kinds/context.js';
import { NODE_NAME, normalizeImage, podIpFor, runningStatus } from './kinds/pod-status.js';
import { clone } from './repository.js';
import { PODS } from './resources.js';
import { timestamp, type KubeService } from './service.js';

/** Containers whose spec image differs from the running one (an image update): kubelet restarts them. */
export function changedContainers(pod: KubeObject): Obj[] {
  if (!asObj(pod.spec).nodeName) return [];
  const statuses = asList(asObj(pod.status).containerStatuses);
  return asList(asObj(pod.spec).containers).filter((c) => {
    const cs = statuses.find((s) => s.name === c.name);
    return cs && cs.image !== normalizeImage(String(c.image ?? ''));
  });
}

export async function restartChanged(svc: KubeService, ns: string, name: string): Promise<void> {
  await svc.write(async (w) => {
    const pod = await w.get(PODS, ns, name);
    if (!pod) return;
    const changed = changedContainers(pod);
    if (!changed.length) return;
    const ts = timestamp(svc.deps.now());
    const next = clone(pod);
    const fresh = runningStatus(next, String(asObj(next.status).podIP ?? ''), ts, () => Buffer.from(svc.deps.random(32)).toString('hex'));
    const st = asObj(next.status);
    st.containerStatuses = asList(st.containerStatuses).map((cs) => {
      if (!changed.some((c) => c.name === cs.name)) return cs;
      const f = asList(fresh.containerStatuses).find((x) => x.name === cs.name) ?? cs;
      const started = String(asObj(asObj(cs.state).running).startedAt ?? ts);
      return {
        ...f,
        restartCount: (Number(cs.restartCount) || 0) + 1,
        lastState: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: ts, containerID: cs.containerID } },
      };
    });
    const stored = await w.update(PODS, next, pod);
    const d = svc.deps.now();
    for (const c of changed) {
      const base = { involved: stored, component: 'kubelet', host: NODE_NAME, fieldPath: `spec.containers{${String(c.name)}}` };
      await recordEvent(w, { ...base, reason: 'Killing', message: `Container ${String(c.name)} definition changed, will be restarted` }, d, svc.uid());
      await recordEvent(w, { ...base, reason: 'Pulled', message: `Container image "${String(c.image)}" already present on machine` }, d, svc.uid());
      await recordEvent(w, { ...base, reason: 'Created', message: `Created container ${String(c.name)}` }, d, svc.uid());
      await recordEvent(w, { ...base, reason: 'Started', message: `Started container ${String(c.name)}` }, d, svc.uid());
    }
  });
}

/** Scheduler + kubelet: bind to the node, allocate an IP, report Running, record events. */
export async function runPod(svc: KubeService, ns: string, name: string): Promise<void> {
  await svc.write(async (w) => {
    const pod = await w.get(PODS, ns, name);
    if (pod && asObj(pod.spec).nodeName) return;
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const net = (await w.t.get<{ next: number }>('kube:meta', 'cluster', 'podNetwork')) ?? { next: 0 };
    await w.t.put('kube:meta', 'cluster', 'podNetwork', { next: net.next + 1 });
    const ts = timestamp(svc.deps.now());
    const next = clone(pod);
    (next.spec as Obj).nodeName = NODE_NAME;
    const bytes = (n: number): string => Buffer.from(svc.deps.random(n)).toString('hex');
    next.status = runningStatus(next, podIpFor(net.next), ts, () => bytes(32));
    const stored = await w.update(PODS, next, pod);
    const d = svc.deps.now();
    await recordEvent(w, { involved: stored, reason: 'Scheduled', message: `Successfully assigned ${ns}/${name} to ${NODE_NAME}`, component: 'default-scheduler' }, d, svc.uid());
    const spec = asObj(stored.spec);
    for (const [field, list] of [['initContainers', asList(spec.initContainers)], ['containers', asList(spec.containers)]] as const) {
      for (const c of list) {
        const fieldPath = `spec.${field}{${String(c.name)}}`;
        const base = { involved: stored, component: 'kubelet', host: NODE_NAME, fieldPath };
        await recordEvent(w, { ...base, reason: 'Pulled', message: `Container image "${String(c.image)}" already present on machine` }, d, svc.uid());
        await recordEvent(w, { ...base, reason: 'Created', message: `Created container ${String(c.name)}` }, d, svc.uid());
        await recordEvent(w, { ...base, reason: 'Started', message: `Started container ${String(c.name)}` }, d, svc.uid());
      }
    }
  });
}

export async function podKilled(svc: KubeService, pod: KubeObject, log?: { error(m: string, e?: unknown): void }): Promise<void> {
  try {
    await svc.write(async (w) => {
      for (const c of asList(asObj(pod.spec).containers)) {
        await recordEvent(
          w,
          { involved: pod, reason: 'Killing', message: `Stopping container ${String(c.name)}`, component: 'kubelet', host: NODE_NAME, fieldPath: `spec.containers{${String(c.name)}}` },
          svc.deps.now(),
          svc.uid(),
        );
      }
    });
  } catch (e) {
    log?.error('kube controller: recording a Killing event failed', e);
  }
}
