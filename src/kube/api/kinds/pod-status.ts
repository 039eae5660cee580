/**
 * What the scheduler and kubelet would write for a pod on the one node: `spec.nodeName` and a
 * Running status with ready containers, so `kubectl get/describe pod` read like a real cluster.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../contracts.js';
import { asList, asObj, type Obj } from './context.js';
import { qosClass } from './pod.js';

/** The node every pod runs on. */
export const NODE_NAME = 'irsa-local-node';
/** The node's address: pods really run as processes on this machine. */
export const NODE_IP = '127.0.0.1';

/** `nginx` → `docker.io/library/nginx:latest`, as containerd reports image names. */
export function normalizeImage(image: string): string {
  let name = image;
  const first = name.split('/')[0] ?? '';
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
  if (!name.includes('@') && !/:[^/]+$/.test(name)) name += ':latest';
  return name;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Pod IPs come from 10.244.0.0/16, handed out in order (kept in the store). */
export function podIpFor(n: number): string {
  const i = (n % 65_000) + 2;
  return `10.244.${Math.floor(i / 256)}.${i % 256}`;
}

export function runningStatus(pod: KubeObject, podIP: string, now: string, containerId: (name: string) => string): Obj {
  const spec = asObj(pod.spec);
  const condition = (type: string): Obj => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
  const status = (c: Obj, init: boolean): Obj => {
    const image = String(c.image ?? '');
    const normalized = normalizeImage(image);
    const repo = normalized.replace(/[:@][^/]*$/, '');
    return {
      name: c.name,
      image: normalized,
      imageID: `${repo}@sha256:${sha256(normalized)}`,
      containerID: `containerd://${containerId(String(c.name))}`,
      ready: !init,
      started: !init,
      restartCount: 0,
      lastState: {},
      state: init
        ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, containerID: `containerd://${containerId(`init-${String(c.name)}`)}` } }
        : { running: { startedAt: now } },
      volumeMounts: asList(c.volumeMounts).map((m) => ({ name: m.name, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true, recursiveReadOnly: 'Disabled' } : {}) })),
    };
  };
  const inits = asList(spec.initContainers);
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    ...(inits.length ? { initContainerStatuses: inits.map((c) => status(c, true)) } : {}),
    containerStatuses: asList(spec.containers).map((c) => status(c, false)),
    qosClass: qosClass(pod),
  };
}

/** Ready = the Ready condition is True (what ReplicaSet and Deployment status count). */
export function podReady(pod: KubeObject): boolean {
  const st = asObj(pod.status);
  return st.phase === 'Running' && asList(st.conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The node object `kubectl get nodes` / `describe pod` refer to. */
export function nodeObject(now: string): KubeObject {
  return {
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: {},
    status: {
      addresses: [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'Hostname', address: NODE_NAME },
      ],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'irsa-local',
        kernelVersion: '',
        kubeletVersion: 'v1.32.4',
        kubeProxyVersion: 'v1.32.4',
        containerRuntimeVersion: 'irsa-local://1',
      },
      capacity: { cpu: '8', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
    },
  };
}
