/**
 * The process environment of a pod's container on this machine: what the kubelet would give the
 * container (`envFrom`, `env` with `$(VAR)` expansion, the downward API, Secret/ConfigMap refs,
 * service links for the API), re-pointed at this machine:
 * - `AWS_ENDPOINT_URL` is the irsa-local endpoint (always; SDKs would otherwise call real AWS);
 * - `AWS_WEB_IDENTITY_TOKEN_FILE` / `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` pointing inside a
 *   mounted projected volume are rewritten to the host file the token projector keeps fresh;
 * - PATH and the locale come from the host (the host's binaries run), HOME is a per-pod directory
 *   (so `~/.aws` of the host user is never read), HOSTNAME is the pod name.
 * Nothing else of the caller's environment leaks in: host AWS credentials would beat web identity.
 * Pure apart from the injected resolver.
 * @see https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
 */
import { join } from 'node:path';
import type { KubeObject } from '../contracts.js';
import { PodRunnerError } from './errors.js';
import { fieldRefValue, objectData, resourceFieldValue, type HostFacts } from './field-ref.js';
import { containersOf, podName, podNamespace, type ContainerKind, type ContainerSpec } from './pod-spec.js';
import { hostPathOf, planProjections, type ProjectionPlan } from './projected-volumes.js';

/** kubectl's and the apiserver's container-defaulting annotation. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** Env vars whose value is a token file path the SDKs read; rewritten to the host file. */
export const TOKEN_FILE_VARS = ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] as const;

/** Taken from the host: the commands that run are the host's, and so are its locale and zone. */
export const HOST_PASSTHROUGH = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'TZ'] as const;

const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Fetches a Secret or ConfigMap of the pod's namespace; undefined when it does not exist. */
export type ObjectResolver = (kind: 'Secret' | 'ConfigMap', namespace: string, name: string) => Promise<KubeObject | undefined>;

export interface ContainerSelection {
  readonly container: ContainerSpec;
  /** True when kubectl would print `Defaulted container "X" out of: …` (several, no annotation, no -c). */
  readonly defaulted: boolean;
  readonly names: readonly string[];
}

/** `-c NAME`, else the default-container annotation, else the first container (as kubectl picks). */
export function selectContainer(pod: KubeObject, requested?: string): ContainerSelection {
  const containers = containersOf(pod, 'containers');
  const names = containers.map((c) => c.name);
  if (requested) {
    for (const kind of ['containers', 'initContainers', 'ephemeralContainers'] as ContainerKind[]) {
      const c = containersOf(pod, kind).find((x) => x.name === requested);
      if (c) return { container: c, defaulted: false, names };
    }
    throw new PodRunnerError('ContainerNotFound', `container ${requested} is not valid for pod ${podName(pod)}`);
  }
  const first = containers[0];
  if (!first) throw new PodRunnerError('NoContainers', `pod ${podNamespace(pod)}/${podName(pod)} does not have any containers`);
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const chosen = containers.find((c) => c.name === annotated);
  return chosen ? { container: chosen, defaulted: false, names } : { container: first, defaulted: containers.length > 1, names };
}

/**
 * Kubernetes `$(VAR)` expansion (third_party/forked/golang/expansion): `$$` is a literal `$`,
 * an undefined `$(VAR)` stays as written.
 */
export function expandVars(s: string, mapping: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    const next = s[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
      i += 1;
    } else if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const end = s.indexOf(')', i + 2);
      if (end < 0) return out + s.slice(i);
      const name = s.slice(i + 2, end);
      out += mapping.get(name) ?? `$(${name})`;
      i = end + 1;
    } else {
      out += c + next;
      i += 2;
    }
  }
  return out;
}

export interface PodEnvOptions {
  /** `-c NAME`; see selectContainer. */
  readonly container?: string;
  /** This pod's directory on the host: HOME is `<podDir>/home`, volumes are under `<podDir>/volumes`. */
  readonly podDir: string;
  /** The irsa-local AWS endpoint. */
  readonly awsEndpointUrl: string;
  /** Where HOST_PASSTHROUGH values come from (usually process.env). */
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  /** The embedded Kubernetes API, for KUBERNETES_SERVICE_HOST/PORT. */
  readonly kubeApi?: { readonly host: string; readonly port: number };
  /** Set as AWS_REGION and AWS_DEFAULT_REGION when the pod sets neither (stands in for IMDS). */
  readonly defaultRegion?: string;
  /** A terminal: TERM defaults to xterm, as container runtimes do for tty execs. */
  readonly tty?: boolean;
  readonly host?: HostFacts;
  readonly resolve?: ObjectResolver;
}

export interface PodEnv {
  readonly container: ContainerSelection;
  readonly env: Record<string, string>;
  readonly home: string;
  readonly projections: ProjectionPlan;
  /** Things the kubelet would record as events (skipped envFrom keys, unmapped token paths). */
  readonly warnings: readonly string[];
}

function validEnvName(k: string): boolean {
  return k.length > 0 && !k.includes('=') && /^[\x20-\x7e]+$/.test(k);
}

/** Builds the environment of `container` (see the module comment for what is host-specific). */
export async function buildPodEnv(pod: KubeObject, options: PodEnvOptions): Promise<PodEnv> {
  const selection = selectContainer(pod, options.container);
  const { container } = selection;
  const namespace = podNamespace(pod);
  const projections = planProjections(pod, container, options.podDir);
  const warnings: string[] = [];
  const home = join(options.podDir, 'home');
  const cache = new Map<string, Promise<Map<string, Buffer> | undefined>>();
  const lookup = (kind: 'Secret' | 'ConfigMap', name: string): Promise<Map<string, Buffer> | undefined> => {
    const k = `${kind}/${name}`;
    if (!cache.has(k)) cache.set(k, (options.resolve?.(kind, namespace, name) ?? Promise.resolve(undefined)).then((o) => o && objectData(kind, o)));
    return cache.get(k) as Promise<Map<string, Buffer> | undefined>;
  };
  const keyValue = async (kind: 'Secret' | 'ConfigMap', ref: { name: string; key: string; optional: boolean }): Promise<string | undefined> => {
    const data = await lookup(kind, ref.name);
    if (!data) {
      if (ref.optional) return undefined;
      throw new PodRunnerError('ReferenceNotFound', `${kind.toLowerCase()} "${ref.name}" not found`);
    }
    const v = data.get(ref.key);
    if (v === undefined && !ref.optional) throw new PodRunnerError('KeyNotFound', `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}`);
    return v?.toString('utf8');
  };

  // The kubelet's service env vars for the `kubernetes` service (they are in the $(VAR) mapping too).
  const service: Record<string, string> = {};
  if (options.kubeApi) {
    const { host, port } = options.kubeApi;
    Object.assign(service, {
      KUBERNETES_SERVICE_HOST: host,
      KUBERNETES_SERVICE_PORT: String(port),
      KUBERNETES_PORT: `tcp://${host}:${port}`,
      [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${host}:${port}`,
      [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
      [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
      [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
    });
  }
  const specEnv = new Map<string, string>(Object.entries(service));
  for (const from of container.envFrom) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    if (!ref) continue;
    const data = await lookup(kind, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new PodRunnerError('ReferenceNotFound', `${kind.toLowerCase()} "${ref.name}" not found`);
    }
    for (const [k, v] of data) {
      const name = from.prefix + k;
      if (!validEnvName(name)) {
        warnings.push(`envFrom ${kind} ${ref.name}: skipped key \`${k}\`: \`${name}\` is not a valid environment variable name`);
        continue;
      }
      specEnv.set(name, v.toString('utf8'));
    }
  }
  for (const e of container.env) {
    let value: string | undefined;
    const from = e.valueFrom;
    if (!from) value = expandVars(e.value ?? '', specEnv);
    else if (from.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath, options.host);
    else if (from.resourceFieldRef) {
      const target = from.resourceFieldRef.containerName ? selectContainer(pod, from.resourceFieldRef.containerName).container : container;
      value = resourceFieldValue(target, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, options.host);
    } else if (from.secretKeyRef) value = await keyValue('Secret', from.secretKeyRef);
    else if (from.configMapKeyRef) value = await keyValue('ConfigMap', from.configMapKeyRef);
    if (value === undefined) continue;
    specEnv.set(e.name, value);
  }

  const env: Record<string, string> = {};
  for (const k of HOST_PASSTHROUGH) {
    const v = options.hostEnv?.[k];
    if (v !== undefined) env[k] = v;
  }
  env['PATH'] ??= FALLBACK_PATH;
  env['HOME'] = home;
  env['HOSTNAME'] = podName(pod);
  if (options.tty) env['TERM'] = 'xterm';
  // No IMDS here: without this, an SDK that finds no other credentials waits on 169.254.169.254.
  env['AWS_EC2_METADATA_DISABLED'] = 'true';
  Object.assign(env, Object.fromEntries(specEnv));
  env['AWS_ENDPOINT_URL'] = options.awsEndpointUrl;
  if (options.defaultRegion && env['AWS_REGION'] === undefined && env['AWS_DEFAULT_REGION'] === undefined) {
    env['AWS_REGION'] = options.defaultRegion;
    env['AWS_DEFAULT_REGION'] = options.defaultRegion;
  }
  for (const k of TOKEN_FILE_VARS) {
    const v = env[k];
    if (v === undefined) continue;
    const mapped = v.startsWith('/') ? hostPathOf(v, projections.mounts) : undefined;
    if (mapped) env[k] = mapped;
    else warnings.push(`${k}=${v} is not inside a projected volume mounted in container ${container.name}; left unchanged`);
  }
  return { container: selection, env, home, projections, warnings };
}
