/**
 * Every literal the pod identity webhook shares with AWS SDKs, EKS and Kubernetes, each with the
 * reason for its value. The behaviour mirrors github.com/aws/amazon-eks-pod-identity-webhook
 * (spec: ../shared/docs/pod-identity-webhook.md, §1 and §3).
 */

/** `--annotation-prefix` default: EKS's domain, so manifests written for EKS work unchanged. */
export const DEFAULT_ANNOTATION_PREFIX = 'eks.amazonaws.com';

/** Annotation names, read as `<prefix>/<name>`. */
export const ANNOTATIONS = {
  /** SA: the role for AssumeRoleWithWebIdentity; any non-empty value makes the SA "configured". */
  roleArn: 'role-arn',
  /** SA: the token's `aud`; must match a client id of the account's IAM OIDC provider. */
  audience: 'audience',
  /** SA: Go ParseBool; `true` injects AWS_STS_REGIONAL_ENDPOINTS=regional (old SDKs default to global STS). */
  stsRegionalEndpoints: 'sts-regional-endpoints',
  /** SA and pod: token lifetime in seconds, raised to {@link MIN_TOKEN_EXPIRATION}. */
  tokenExpiration: 'token-expiration',
  /** Pod only: CSV list of container names to leave alone (upstream issue #93: not read on the SA). */
  skipContainers: 'skip-containers',
  /** SA (irsa-local addition, upstream #149): region injected as AWS_REGION / AWS_DEFAULT_REGION. */
  region: 'region',
  /** SA or pod (irsa-local addition, upstream #8): pod `securityContext.fsGroup` so non-root users can read the token. */
  fsGroup: 'fs-group',
} as const;

/** `--token-audience` default: the client id EKS documents for IAM OIDC providers used by IRSA. */
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

/** `--token-mount-path` default: where EKS mounts the IRSA token; SDK docs and images assume it. */
export const DEFAULT_MOUNT_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount';

/** IRSA projected volume name; hard-coded upstream (the README's `aws-token` is wrong). */
export const IRSA_VOLUME_NAME = 'aws-iam-token';

/** IRSA token file name inside the mount; hard-coded upstream. */
export const IRSA_TOKEN_PATH = 'token';

/** kube-apiserver rejects a projected token `expirationSeconds` below 10 minutes. */
export const MIN_TOKEN_EXPIRATION = 600;

/** `--token-expiration` default: one day, the kubelet refreshes at 80 % of the lifetime. */
export const DEFAULT_TOKEN_EXPIRATION = 86_400;

/**
 * Lower bound of the jitter applied to the default expiration in Pod Identity mode: tokens of pods
 * started together do not all expire in the same second (upstream `DefaultMinTokenExpiration`).
 */
export const DEFAULT_MIN_TOKEN_EXPIRATION = 79_200;

/**
 * Label added in Pod Identity mode. Hard-coded upstream (it ignores `--annotation-prefix`): the EKS
 * Pod Identity Agent and its tooling select pods by this exact key.
 */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';
export const POD_IDENTITY_LABEL_VALUE = 'enabled';

/** Defaults of the `--container-credentials-*` flags (EKS Pod Identity, §1.1). */
export const CONTAINER_CREDENTIALS_DEFAULTS = {
  /** The audience the EKS Auth API accepts for AssumeRoleForPodIdentity. */
  audience: 'pods.eks.amazonaws.com',
  mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
  volumeName: 'eks-pod-identity-token',
  tokenPath: 'eks-pod-identity-token',
  /** The EKS Pod Identity Agent's link-local address (a DaemonSet on every node). */
  fullUri: 'http://169.254.170.23/v1/credentials',
} as const;

/** Environment variables the AWS SDKs read, in the order the webhook appends them (§3.2). */
export const ENV = {
  stsRegionalEndpoints: 'AWS_STS_REGIONAL_ENDPOINTS',
  defaultRegion: 'AWS_DEFAULT_REGION',
  region: 'AWS_REGION',
  roleArn: 'AWS_ROLE_ARN',
  webIdentityTokenFile: 'AWS_WEB_IDENTITY_TOKEN_FILE',
  containerCredentialsFullUri: 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  containerAuthorizationTokenFile: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
} as const;

/** The value of AWS_STS_REGIONAL_ENDPOINTS that selects the regional STS endpoint. */
export const STS_REGIONAL = 'regional';

/** Node selector keys whose value `windows` switches the token path to `C:\…` (current and beta label). */
export const WINDOWS_NODE_SELECTORS = ['kubernetes.io/os', 'beta.kubernetes.io/os'] as const;

/**
 * Pods carrying this label are not sent to the webhook at all: it is the MutatingWebhookConfiguration's
 * objectSelector in upstream's deploy manifest (upstream #215), not something the webhook reads.
 */
export const SKIP_WEBHOOK_LABEL = 'eks.amazonaws.com/skip-pod-identity-webhook';

/** `--watch-config-map`: the ConfigMap name and key upstream reads SA → role mappings from. */
export const CONFIG_MAP_NAME = 'pod-identity-webhook';
export const CONFIG_MAP_KEY = 'config';
/** `--namespace` default upstream. */
export const DEFAULT_CONFIG_MAP_NAMESPACE = 'eks';

/**
 * kube-apiserver validates `fsGroup` as a Linux group id: 0 ≤ gid ≤ 2147483647.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context
 */
export const MAX_GROUP_ID = 2_147_483_647;
