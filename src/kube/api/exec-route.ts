/**
 * Routes `pods/<name>/exec` upgrades to the exec handler: resolves the pod, validates the
 * container as kube-apiserver does, and refuses SPDY (kubectl ≤ 1.29, or its fallback) with a
 * JSON Status kubectl prints. kubectl-exec.md §7–8.
 * @see https://kubernetes.io/docs/reference/kubectl/generated/kubectl_exec/
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../contracts.js';
import { badRequest, KubeStatusError, resourceNotFound } from './errors.js';
import { writeRawStatus } from './http-io.js';
import { asList, asObj } from './kinds/context.js';
import { PODS } from './resources.js';
import type { KubeService } from './service.js';

export type ExecHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, containerName: string) => void;

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)\/?$/;

/** The container to run in, or the apiserver's 400 (pod/exec REST's validation). */
export function resolveContainer(pod: KubeObject, requested: string | null): string {
  const spec = asObj(pod.spec);
  const name = pod.metadata?.name ?? '';
  const containers = asList(spec.containers).map((c) => String(c.name));
  const all = [...containers, ...asList(spec.initContainers).map((c) => String(c.name)), ...asList(spec.ephemeralContainers).map((c) => String(c.name))];
  if (!requested) {
    if (containers.length === 1) return containers[0] as string;
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  }
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  const phase = asObj(pod.status).phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${String(phase)}`);
  return requested;
}

export function routeUpgrade(svc: KubeService, exec: ExecHandler | undefined, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = EXEC_PATH.exec(url.pathname);
    if (!m) throw resourceNotFound();
    const [, ns, podName, sub] = m as unknown as [string, string, string, string];
    if (sub !== 'exec') throw new KubeStatusError(405, 'MethodNotAllowed', `pods/${sub} is not supported by this server`);
    // Validate first: kubectl shows the answer to its SPDY fallback, so both attempts must get it.
    const pod = await svc.get(PODS, decodeURIComponent(ns), decodeURIComponent(podName));
    const container = resolveContainer(pod, url.searchParams.get('container'));
    const upgrade = String(req.headers.upgrade ?? '');
    if (upgrade.toLowerCase() !== 'websocket')
      throw new KubeStatusError(405, 'MethodNotAllowed', `${upgrade || 'this upgrade'} is not supported by this server; use a kubectl >= 1.30 (WebSocket)`);
    if (!exec) throw badRequest('exec is not available on this server');
    exec(req, socket, head, pod, container);
  })().catch((e: unknown) => {
    const err = e instanceof KubeStatusError ? e : new KubeStatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
    if (!socket.destroyed) writeRawStatus(socket, err);
  });
}
