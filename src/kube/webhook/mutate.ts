/**
 * The mutation: pod + patch configuration → JSON Patch, as upstream's `getPodSpecPatch` and
 * `addEnvToContainer` (§3), without re-encoding anything the webhook does not add. Pure: no I/O.
 *
 * Two patch styles give the same patched pod:
 * - `fine-grained` (default): only additions — `/spec/containers/0/env/-` and the like — so nothing
 *   the webhook does not own is ever rewritten, and a container that needs nothing gets no op;
 * - `whole-array`: upstream's op list exactly (label, volume, `/spec/containers`, `/spec/initContainers`),
 *   its arrays built from the ORIGINAL container objects with only `env` / `volumeMounts` extended,
 *   so fields unknown to upstream's typed model survive (upstream #208, #84).
 */
import { ENV, POD_IDENTITY_LABEL, POD_IDENTITY_LABEL_VALUE, STS_REGIONAL, WINDOWS_NODE_SELECTORS } from './constants.js';
import type { PodPatchConfig } from './config.js';
import { joinPath } from './go-compat.js';
import { pointerToken, type JsonPatchOp } from './json-patch.js';
import { isWindowsNodeSelector, type Container, type EnvVar, type Pod, type VolumeMount } from './pod.js';

export type PatchStyle = 'fine-grained' | 'whole-array';

export interface MutateOptions {
  readonly style?: PatchStyle;
}

/** What one container gets: env vars appended in upstream's order, and possibly the mount. */
export interface ContainerAdditions {
  readonly env: EnvVar[];
  readonly volumeMount: VolumeMount | undefined;
}

/**
 * The JSON Patch for `pod`, or undefined when `config` is undefined (nothing applies). When a
 * configuration applies the result is a list, possibly empty in the fine-grained style when the pod
 * already has everything.
 */
export function mutatePod(pod: Pod, config: PodPatchConfig | undefined, options: MutateOptions = {}): JsonPatchOp[] | undefined {
  if (!config) return undefined;
  const style = options.style ?? 'fine-grained';
  const spec = pod.spec ?? {};
  const windows = isWindowsNodeSelector(pod, WINDOWS_NODE_SELECTORS);
  const ops: JsonPatchOp[] = [];

  if (config.mode === 'container-credentials') ops.push(...labelOps(pod));
  if (!(spec.volumes ?? []).some((v) => v.name === config.volumeName)) {
    const volume = projectedVolume(config);
    ops.push(spec.volumes == null ? { op: 'add', path: '/spec/volumes', value: [volume] } : { op: 'add', path: '/spec/volumes/0', value: volume });
  }
  if (config.fsGroup !== undefined && !windows && spec.os?.name !== 'windows') ops.push(...fsGroupOps(pod, config.fsGroup));

  const tokenFile = tokenFilePath(config, windows);
  const lists = [
    ['containers', spec.containers ?? []],
    ['initContainers', spec.initContainers ?? []],
  ] as const;
  for (const [list, containers] of lists) {
    const additions = containers.map((c) => (config.containersToSkip.has(c.name ?? '') ? undefined : containerAdditions(c, config, tokenFile)));
    if (style === 'whole-array') {
      // Upstream always sends /spec/containers, and /spec/initContainers when there are any.
      if (list === 'containers' || containers.length > 0) ops.push({ op: 'add', path: `/spec/${list}`, value: containers.map((c, i) => extended(c, additions[i])) });
    } else {
      containers.forEach((c, i) => ops.push(...containerOps(`/spec/${list}/${i}`, c, additions[i])));
    }
  }
  return ops;
}

/** `filepath.Join(mountPath, tokenPath)`, or its `C:\…` form for Windows node selectors (§3.1). */
export function tokenFilePath(config: Pick<PodPatchConfig, 'mountPath' | 'tokenPath'>, windows: boolean): string {
  const unix = joinPath(config.mountPath, config.tokenPath);
  return windows ? `C:${unix.replaceAll('/', '\\')}` : unix;
}

function labelOps(pod: Pod): JsonPatchOp[] {
  if (pod.metadata == null) return [{ op: 'add', path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: POD_IDENTITY_LABEL_VALUE } } }];
  if (pod.metadata.labels == null) return [{ op: 'add', path: '/metadata/labels', value: { [POD_IDENTITY_LABEL]: POD_IDENTITY_LABEL_VALUE } }];
  return [{ op: 'add', path: `/metadata/labels/${pointerToken(POD_IDENTITY_LABEL)}`, value: POD_IDENTITY_LABEL_VALUE }];
}

/** The projected ServiceAccount token volume; `audience` omitted when "" (Go omitempty), no defaultMode. */
function projectedVolume(config: PodPatchConfig): Record<string, unknown> {
  const token: Record<string, unknown> = {};
  if (config.audience !== '') token['audience'] = config.audience;
  token['expirationSeconds'] = config.tokenExpiration;
  token['path'] = config.tokenPath;
  return { name: config.volumeName, projected: { sources: [{ serviceAccountToken: token }] } };
}

function fsGroupOps(pod: Pod, fsGroup: number): JsonPatchOp[] {
  const sc = pod.spec?.securityContext;
  if (sc == null) return [{ op: 'add', path: '/spec/securityContext', value: { fsGroup } }];
  if (sc.fsGroup == null) return [{ op: 'add', path: '/spec/securityContext/fsGroup', value: fsGroup }];
  return []; // the pod's own fsGroup wins
}

/** Upstream's `addEnvToContainer` rules (§3.2); undefined leaves the container untouched. */
export function containerAdditions(container: Container, config: PodPatchConfig, tokenFile: string): ContainerAdditions | undefined {
  const names = new Set((container.env ?? []).map((e) => e.name ?? ''));
  const webIdentity = names.has(ENV.roleArn) || names.has(ENV.webIdentityTokenFile);
  const containerCredentials = names.has(ENV.containerCredentialsFullUri) || names.has(ENV.containerAuthorizationTokenFile);
  const region = names.has(ENV.region) || names.has(ENV.defaultRegion);
  const sts = names.has(ENV.stsRegionalEndpoints);
  const cc = config.mode === 'container-credentials';
  // Early exit only when region and STS are present too, even if the webhook would not inject them.
  if (((!cc && webIdentity) || (cc && containerCredentials)) && region && sts) return undefined;

  const env: EnvVar[] = [];
  if (!sts && config.useRegionalSts) env.push({ name: ENV.stsRegionalEndpoints, value: STS_REGIONAL });
  if (!region && config.region !== '') env.push({ name: ENV.defaultRegion, value: config.region }, { name: ENV.region, value: config.region });
  if (cc) {
    if (!containerCredentials) {
      env.push({ name: ENV.containerCredentialsFullUri, value: config.fullUri ?? '' }, { name: ENV.containerAuthorizationTokenFile, value: tokenFile });
    }
  } else if (!webIdentity) {
    env.push({ name: ENV.roleArn, value: config.roleArn ?? '' }, { name: ENV.webIdentityTokenFile, value: tokenFile });
  }
  // The mount is checked by name only: a mount of that name at another path is kept (§3.2).
  const mounted = (container.volumeMounts ?? []).some((m) => m.name === config.volumeName);
  const volumeMount = mounted ? undefined : { name: config.volumeName, readOnly: true, mountPath: config.mountPath };
  return { env, volumeMount };
}

/** The original container object with only `env` and `volumeMounts` extended. */
function extended(c: Container, add: ContainerAdditions | undefined): Container {
  if (!add) return c;
  const out: Container = { ...c };
  if (add.env.length > 0) out.env = [...(c.env ?? []), ...add.env];
  if (add.volumeMount) out.volumeMounts = [...(c.volumeMounts ?? []), add.volumeMount];
  return out;
}

function containerOps(base: string, c: Container, add: ContainerAdditions | undefined): JsonPatchOp[] {
  if (!add) return [];
  const ops: JsonPatchOp[] = [];
  if (add.env.length > 0) {
    if (Array.isArray(c.env)) for (const e of add.env) ops.push({ op: 'add', path: `${base}/env/-`, value: e });
    else ops.push({ op: 'add', path: `${base}/env`, value: add.env });
  }
  if (add.volumeMount) {
    ops.push(Array.isArray(c.volumeMounts) ? { op: 'add', path: `${base}/volumeMounts/-`, value: add.volumeMount } : { op: 'add', path: `${base}/volumeMounts`, value: [add.volumeMount] });
  }
  return ops;
}
