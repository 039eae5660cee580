/**
 * Everything a command needs before it can run in a pod: the container's environment
 * (pod-env.ts), the pod's directory on this machine with its HOME and projected volumes, the
 * static projected files (configMap, secret, downwardAPI sources) and the token projector that
 * keeps the ServiceAccount tokens fresh until the session stops. Shared by `irsa exec` and the
 * API's exec subresource; each wires `requestToken` and `resolve` its own way.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../contracts.js';
import { fieldRefValue, objectData, type HostFacts } from './field-ref.js';
import { buildPodEnv, type ContainerSelection, type ObjectResolver } from './pod-env.js';
import { podName, podNamespace } from './pod-spec.js';
import type { ProjectedFileSpec } from './projected-volumes.js';
import { TokenProjector, writeFileAtomic, type ProjectorClock, type RequestToken } from './token-projector.js';
import type { PrepareExec } from './websocket.js';

export interface PodSessionOptions {
  /** Pods live in `<podsRoot>/<namespace>/<name>` (e.g. `<data-dir>/pods`). */
  readonly podsRoot: string;
  readonly awsEndpointUrl: string;
  readonly requestToken: RequestToken;
  readonly resolve?: ObjectResolver;
  readonly kubeApi?: { readonly host: string; readonly port: number };
  readonly defaultRegion?: string;
  /** Source of PATH and the locale; default process.env. */
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  readonly host?: HostFacts;
  readonly clock?: ProjectorClock;
  /** A background token refresh failed (the previous token stays until it expires). */
  readonly onTokenError?: (error: unknown, volume: string) => void;
}

export interface PodSession {
  readonly container: ContainerSelection;
  readonly env: Readonly<Record<string, string>>;
  /** The pod's HOME, also the working directory of commands run for the API. */
  readonly cwd: string;
  readonly podDir: string;
  readonly warnings: readonly string[];
  /** Stops refreshing tokens. */
  stop(): void;
}

function safeSegment(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '_');
  return clean === '' || clean === '.' || clean === '..' ? `_${clean}` : clean;
}

export function podDirectory(podsRoot: string, pod: KubeObject): string {
  return join(podsRoot, safeSegment(podNamespace(pod)), safeSegment(podName(pod)));
}

async function writeProjectedFile(pod: KubeObject, f: ProjectedFileSpec, options: PodSessionOptions, warnings: string[]): Promise<void> {
  if (f.from === 'fieldRef') {
    await writeFileAtomic(f.hostFile, fieldRefValue(pod, f.fieldPath, options.host), 0o644);
    return;
  }
  const kind = f.from === 'secret' ? 'Secret' : 'ConfigMap';
  const mode = f.from === 'secret' ? 0o600 : 0o644;
  const obj = await options.resolve?.(kind, podNamespace(pod), f.name);
  if (!obj) {
    if (!f.optional) warnings.push(`projected volume: ${kind.toLowerCase()} "${f.name}" not found; its files are missing`);
    return;
  }
  const data = objectData(kind, obj);
  if (f.key === undefined) {
    for (const [k, v] of data) if (!k.includes('/') && k !== '..' && k !== '.') await writeFileAtomic(join(f.hostFile, k), v, mode);
    return;
  }
  const v = data.get(f.key);
  if (v !== undefined) await writeFileAtomic(f.hostFile, v, mode);
  else if (!f.optional) warnings.push(`projected volume: couldn't find key ${f.key} in ${kind} ${podNamespace(pod)}/${f.name}`);
}

/**
 * Prepares `container` of `pod` (see selectContainer for the default): builds its environment,
 * writes its projected files and its first tokens (rejecting if TokenRequest fails), and keeps the
 * tokens fresh until `stop()`.
 */
export async function startPodSession(pod: KubeObject, container: string | undefined, tty: boolean, options: PodSessionOptions): Promise<PodSession> {
  const podDir = podDirectory(options.podsRoot, pod);
  const built = await buildPodEnv(pod, {
    container,
    podDir,
    awsEndpointUrl: options.awsEndpointUrl,
    hostEnv: options.hostEnv ?? process.env,
    kubeApi: options.kubeApi,
    defaultRegion: options.defaultRegion,
    tty,
    host: options.host,
    resolve: options.resolve,
  });
  await mkdir(built.home, { recursive: true, mode: 0o700 });
  const warnings = [...built.warnings];
  for (const f of built.projections.files) await writeProjectedFile(pod, f, options, warnings);
  const projector = new TokenProjector({
    tokens: built.projections.tokens,
    requestToken: options.requestToken,
    clock: options.clock,
    onError: (e, t) => options.onTokenError?.(e, t.volume),
  });
  await projector.start();
  return { container: built.container, env: built.env, cwd: built.home, podDir, warnings, stop: () => projector.stop() };
}

/** The API's exec subresource: a PrepareExec over startPodSession. */
export function execPreparer(options: PodSessionOptions): PrepareExec {
  return async (pod, container, { tty }) => {
    const s = await startPodSession(pod, container, tty, options);
    return { env: s.env, cwd: s.cwd, stop: () => s.stop() };
  };
}
