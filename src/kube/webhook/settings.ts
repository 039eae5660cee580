/**
 * The webhook's configuration: the flags of upstream's `main.go` (§1.1) plus irsa-local's additions.
 * Pure: `webhookSettings` fills defaults and applies the startup clamp.
 */
import {
  CONTAINER_CREDENTIALS_DEFAULTS,
  DEFAULT_ANNOTATION_PREFIX,
  DEFAULT_AUDIENCE,
  DEFAULT_MOUNT_PATH,
  DEFAULT_TOKEN_EXPIRATION,
  MIN_TOKEN_EXPIRATION,
} from './constants.js';

/** The `--container-credentials-*` flags: EKS Pod Identity mode. */
export interface ContainerCredentialsSettings {
  readonly audience: string;
  readonly mountPath: string;
  readonly volumeName: string;
  readonly tokenPath: string;
  readonly fullUri: string;
}

export interface WebhookSettings {
  /** `--annotation-prefix`: prefix of every SA and pod annotation (not of the pod-identity label). */
  readonly annotationPrefix: string;
  /** `--token-audience`: IRSA audience unless the SA says otherwise. */
  readonly audience: string;
  /** `--token-mount-path`: IRSA mount path (and token file directory). */
  readonly mountPath: string;
  /** `--token-expiration`, already raised to 600 s. */
  readonly tokenExpiration: number;
  /** `--aws-default-region`: "" injects no region unless the SA has a `region` annotation. */
  readonly region: string;
  /** `--sts-regional-endpoint`: default of the SA's `sts-regional-endpoints`. */
  readonly regionalSts: boolean;
  /** `--fs-group` (irsa-local, upstream #8): pod fsGroup to set when the pod has none. */
  readonly fsGroup: number | undefined;
  readonly containerCredentials: ContainerCredentialsSettings;
}

export type WebhookSettingsInput = Partial<Omit<WebhookSettings, 'containerCredentials'>> & {
  containerCredentials?: Partial<ContainerCredentialsSettings>;
};

/** Defaults as upstream's flags, with `--token-expiration` clamped by `max(v, 600)` as at its startup. */
export function webhookSettings(input: WebhookSettingsInput = {}): WebhookSettings {
  return {
    annotationPrefix: input.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX,
    audience: input.audience ?? DEFAULT_AUDIENCE,
    mountPath: input.mountPath ?? DEFAULT_MOUNT_PATH,
    tokenExpiration: Math.max(input.tokenExpiration ?? DEFAULT_TOKEN_EXPIRATION, MIN_TOKEN_EXPIRATION),
    region: input.region ?? '',
    regionalSts: input.regionalSts ?? false,
    fsGroup: input.fsGroup,
    containerCredentials: { ...CONTAINER_CREDENTIALS_DEFAULTS, ...dropUndefined(input.containerCredentials ?? {}) },
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
