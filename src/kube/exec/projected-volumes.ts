/**
 * Where the projected volumes a container mounts live on this machine (pure planning; the
 * token projector and the pod session do the I/O).
 *
 * Layout, under the pod's directory (see docs/exec.md):
 *   <podDir>/volumes/<volumeName>/<path>   one directory per projected volume, like the kubelet's
 *                                           /var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~projected/<name>
 * A container path `<mountPath>/<rel>` (or `<mountPath>/<rel>` under a `subPath` mount) maps to
 * `<podDir>/volumes/<volumeName>[/<subPath>]/<rel>`.
 * @see https://kubernetes.io/docs/concepts/storage/projected-volumes/
 */
import { join, posix } from 'node:path';
import type { KubeObject } from '../contracts.js';
import { PodRunnerError } from './errors.js';
import { asObject, podName, podNamespace, podVolumes, serviceAccountOf, type ContainerSpec } from './pod-spec.js';

/** API default of `serviceAccountToken.expirationSeconds` (pkg/apis/core/v1/defaults.go). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

/** One `serviceAccountToken` source of a projected volume: a file the kubelet keeps fresh. */
export interface ProjectedTokenSpec {
  readonly volume: string;
  /** Path inside the volume, cleaned (e.g. `token`). */
  readonly path: string;
  readonly hostFile: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Empty means "the API server's default audiences" (the source had no `audience`). */
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly pod: { readonly name: string; readonly uid: string };
}

/** A static file of a projected volume (configMap, secret or downwardAPI source), written once. */
export type ProjectedFileSpec =
  /** Without `key`: every key of the object, each a file under `hostFile` (then a directory). */
  | { readonly hostFile: string; readonly from: 'configMap' | 'secret'; readonly name: string; readonly key?: string; readonly optional: boolean }
  | { readonly hostFile: string; readonly from: 'fieldRef'; readonly fieldPath: string };

export interface ProjectedMount {
  readonly volume: string;
  /** Where the container sees it. */
  readonly mountPath: string;
  /** Where it is on this machine. */
  readonly hostPath: string;
}

export interface ProjectionPlan {
  readonly mounts: readonly ProjectedMount[];
  readonly tokens: readonly ProjectedTokenSpec[];
  readonly files: readonly ProjectedFileSpec[];
}

/** A relative path inside a volume, or an error: the API server rejects absolute paths and `..`. */
function relativeVolumePath(p: string, volume: string): string {
  const clean = posix.normalize(p);
  if (!p || posix.isAbsolute(p) || clean === '..' || clean.startsWith('../')) {
    throw new PodRunnerError('InvalidVolumePath', `projected volume ${volume}: path \`${p}\` must be relative and must not contain '..'`);
  }
  return clean;
}

export function volumeHostDir(podDir: string, volume: string): string {
  return join(podDir, 'volumes', volume);
}

/** Plans the projected volumes that `container` mounts; volumes it does not mount are ignored. */
export function planProjections(pod: KubeObject, container: ContainerSpec, podDir: string): ProjectionPlan {
  const namespace = podNamespace(pod);
  const serviceAccount = serviceAccountOf(pod);
  const boundPod = { name: podName(pod), uid: pod.metadata?.uid ?? '' };
  const mounted = new Set(container.volumeMounts.map((m) => m.name));
  const mounts: ProjectedMount[] = [];
  const tokens: ProjectedTokenSpec[] = [];
  const files: ProjectedFileSpec[] = [];
  for (const volume of podVolumes(pod)) {
    const name = volume['name'] as string;
    const projected = asObject(volume['projected']);
    if (!projected || !mounted.has(name)) continue;
    const dir = volumeHostDir(podDir, name);
    for (const m of container.volumeMounts.filter((x) => x.name === name)) {
      const sub = m.subPath ? relativeVolumePath(m.subPath, name) : '';
      mounts.push({ volume: name, mountPath: posix.normalize(m.mountPath), hostPath: sub ? join(dir, sub) : dir });
    }
    for (const raw of Array.isArray(projected['sources']) ? projected['sources'] : []) {
      const source = asObject(raw) ?? {};
      const sat = asObject(source['serviceAccountToken']);
      if (sat) {
        const path = relativeVolumePath(String(sat['path'] ?? ''), name);
        const audience = typeof sat['audience'] === 'string' ? sat['audience'] : '';
        const exp = Number(sat['expirationSeconds']);
        tokens.push({
          volume: name,
          path,
          hostFile: join(dir, path),
          namespace,
          serviceAccount,
          audiences: audience ? [audience] : [],
          expirationSeconds: Number.isFinite(exp) && exp > 0 ? Math.floor(exp) : DEFAULT_TOKEN_EXPIRATION_SECONDS,
          pod: boundPod,
        });
      }
      for (const from of ['configMap', 'secret'] as const) {
        const ref = asObject(source[from]);
        if (!ref || typeof ref['name'] !== 'string') continue;
        const optional = ref['optional'] === true;
        const items = Array.isArray(ref['items']) ? ref['items'].map(asObject) : undefined;
        if (!items) {
          files.push({ hostFile: dir, from, name: ref['name'], optional });
          continue;
        }
        for (const item of items) {
          if (typeof item?.['key'] !== 'string') continue;
          const path = relativeVolumePath(String(item['path'] ?? item['key']), name);
          files.push({ hostFile: join(dir, path), from, name: ref['name'], key: item['key'], optional });
        }
      }
      const downward = asObject(source['downwardAPI']);
      for (const item of Array.isArray(downward?.['items']) ? downward['items'].map(asObject) : []) {
        const fieldPath = asObject(item?.['fieldRef'])?.['fieldPath'];
        if (typeof fieldPath !== 'string') continue;
        files.push({ hostFile: join(dir, relativeVolumePath(String(item?.['path'] ?? ''), name)), from: 'fieldRef', fieldPath });
      }
    }
  }
  return { mounts, tokens, files };
}

/**
 * The host path of a container path inside a mounted projected volume, or undefined when the
 * path is in none of them. The longest mount path wins, as with nested mounts in a container.
 */
export function hostPathOf(containerPath: string, mounts: readonly ProjectedMount[]): string | undefined {
  const p = posix.normalize(containerPath);
  let best: ProjectedMount | undefined;
  for (const m of mounts) {
    const inside = p === m.mountPath || p.startsWith(m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`);
    if (inside && (!best || m.mountPath.length > best.mountPath.length)) best = m;
  }
  if (!best) return undefined;
  const rel = posix.relative(best.mountPath, p);
  return rel ? join(best.hostPath, ...rel.split('/')) : best.hostPath;
}
