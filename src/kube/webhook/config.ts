/**
 * Which configuration applies to a pod: upstream's `buildPodPatchConfig` (§2) as a function over
 * injected lookups. Precedence, as upstream's comment puts it:
 * - mode: EKS Pod Identity identity listed > SA `role-arn` > ConfigMap `ns/name` > ConfigMap `*​/name`;
 * - audience, regional STS: SA annotation > flag;
 * - token expiration: pod annotation > SA annotation > flag;
 * - region (irsa-local, #149): SA annotation > `--aws-default-region`;
 * - fsGroup (irsa-local, #8): pod annotation > SA annotation > `--fs-group`.
 *
 * Pure apart from the lookups it is given; randomness (the jitter) is injected.
 */
import type { ServiceAccountLookup } from '../contracts.js';
import { ANNOTATIONS, DEFAULT_MIN_TOKEN_EXPIRATION, DEFAULT_TOKEN_EXPIRATION, IRSA_TOKEN_PATH, IRSA_VOLUME_NAME } from './constants.js';
import { readFirstCsvRecord } from './go-compat.js';
import type { Pod } from './pod.js';
import type { WebhookSettings } from './settings.js';
import { annotation, parseGroupId, parseTokenExpiration, serviceAccountEntry, type ConfigMapEntry, type ServiceAccountEntry } from './sources.js';

export type PatchMode = 'web-identity' | 'container-credentials';

/** Everything `mutatePod` needs; built per pod. */
export interface PodPatchConfig {
  readonly mode: PatchMode;
  /** web-identity: the AWS_ROLE_ARN value. */
  readonly roleArn?: string;
  /** container-credentials: the AWS_CONTAINER_CREDENTIALS_FULL_URI value. */
  readonly fullUri?: string;
  /** "" leaves `audience` out of the projection (the API server then uses its own audiences). */
  readonly audience: string;
  readonly mountPath: string;
  readonly volumeName: string;
  readonly tokenPath: string;
  readonly tokenExpiration: number;
  readonly useRegionalSts: boolean;
  /** "" injects no region. */
  readonly region: string;
  readonly containersToSkip: ReadonlySet<string>;
  /** Set `spec.securityContext.fsGroup` to this when the pod has none. */
  readonly fsGroup?: number | undefined;
  /** Where the mode came from, for logs. */
  readonly source: 'container-credentials' | 'service-account' | 'config-map';
}

export interface ConfigSources {
  /** Must not give up on a cache miss before asking the API (upstream #174). */
  readonly serviceAccounts: ServiceAccountLookup;
  /** ConfigMap mappings by `ns/name` or `*​/name` (`--watch-config-map`). */
  readonly configMap?: (key: string) => ConfigMapEntry | undefined;
  /** Whether `ns/serviceAccount` is listed for EKS Pod Identity (`--watch-container-credentials-config`). */
  readonly containerCredentials?: (namespace: string, serviceAccount: string) => boolean;
}

/** Integer in [0, n): the jitter's random source (Go `rand.Int63n`). */
export type RandomInt = (n: number) => number;

/**
 * Builds the patch configuration for `pod` created in `namespace`, or undefined when the pod is
 * not to be mutated (no identity, SA unknown, or SA without a role).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-configuration.html
 */
export async function resolvePodPatchConfig(
  pod: Pod,
  namespace: string,
  sources: ConfigSources,
  settings: WebhookSettings,
  randomInt: RandomInt,
): Promise<PodPatchConfig | undefined> {
  const saName = pod.spec?.serviceAccountName ?? '';
  const sa = saName === '' ? undefined : await sources.serviceAccounts.get(namespace, saName);
  const saEntry = sa ? serviceAccountEntry(sa, settings) : undefined;
  const podAnnotations = pod.metadata?.annotations;
  const prefix = settings.annotationPrefix;
  const common = {
    region: saEntry?.region ?? settings.region,
    containersToSkip: containersToSkip(annotation(podAnnotations, prefix, ANNOTATIONS.skipContainers)),
    fsGroup: parseGroupId(annotation(podAnnotations, prefix, ANNOTATIONS.fsGroup)) ?? saEntry?.fsGroup ?? settings.fsGroup,
  };
  const podExpiration = parseTokenExpiration(annotation(podAnnotations, prefix, ANNOTATIONS.tokenExpiration));

  if (sources.containerCredentials?.(namespace, saName)) {
    // Common settings: the SA entry even without a role, else the exact ConfigMap entry, else (false, 86400).
    const base = saEntry ?? sources.configMap?.(`${namespace}/${saName}`);
    const cc = settings.containerCredentials;
    return {
      mode: 'container-credentials',
      fullUri: cc.fullUri,
      audience: cc.audience,
      mountPath: cc.mountPath,
      volumeName: cc.volumeName,
      tokenPath: cc.tokenPath,
      tokenExpiration: jitterDefault(podExpiration ?? base?.tokenExpiration ?? DEFAULT_TOKEN_EXPIRATION, randomInt),
      useRegionalSts: base?.useRegionalSts ?? false,
      source: 'container-credentials',
      ...common,
    };
  }

  const entry: (ServiceAccountEntry | ConfigMapEntry) | undefined =
    saEntry && saEntry.roleArn !== '' ? saEntry : (sources.configMap?.(`${namespace}/${saName}`) ?? sources.configMap?.(`*/${saName}`));
  if (!entry || entry.roleArn === '') return undefined;
  return {
    mode: 'web-identity',
    roleArn: entry.roleArn,
    audience: entry.audience,
    mountPath: settings.mountPath,
    volumeName: IRSA_VOLUME_NAME,
    tokenPath: IRSA_TOKEN_PATH,
    // IRSA never jitters (§2.1).
    tokenExpiration: podExpiration ?? entry.tokenExpiration,
    useRegionalSts: entry.useRegionalSts,
    source: entry === saEntry ? 'service-account' : 'config-map',
    ...common,
  };
}

/** `skip-containers`: first CSV record, exact names; a parse error or empty value skips nothing (§1.3). */
export function containersToSkip(value: string | undefined): ReadonlySet<string> {
  if (value === undefined) return new Set();
  return new Set(readFirstCsvRecord(value) ?? []);
}

/** Exactly 86400 becomes a uniform value in [79200, 86400] (Pod Identity only). */
export function jitterDefault(expiration: number, randomInt: RandomInt): number {
  if (expiration !== DEFAULT_TOKEN_EXPIRATION) return expiration;
  return randomInt(DEFAULT_TOKEN_EXPIRATION - DEFAULT_MIN_TOKEN_EXPIRATION + 1) + DEFAULT_MIN_TOKEN_EXPIRATION;
}
