/**
 * What the eksctl commands need from the outside, as narrow interfaces: the EKS and IAM APIs
 * (implemented over the AWS SDK in aws-clients.ts) and the Kubernetes API (kube-client.ts).
 * The commands' logic sees only these, so tests run it against fakes.
 */

export interface ClusterInfo {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
  /** `cluster.identity.oidc.issuer` */
  readonly issuer: string | undefined;
  /** The Kubernetes API URL. */
  readonly endpoint: string | undefined;
  /** PEM, decoded from `cluster.certificateAuthority.data`. */
  readonly caPem: string | undefined;
}

export interface EksApi {
  /** Rejects with an `ApiError` (code `ResourceNotFoundException` for a missing cluster). */
  describeCluster(name: string): Promise<ClusterInfo>;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface RoleInfo {
  readonly name: string;
  readonly arn: string;
  readonly tags: readonly Tag[];
  /** Managed policy ARNs; filled by `listRoles` (GetAccountAuthorizationDetails). */
  readonly attachedPolicies?: readonly string[];
}

export interface OidcProviderInfo {
  readonly arn: string;
  readonly url: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
}

export interface IamApi {
  getOidcProvider(arn: string): Promise<OidcProviderInfo | undefined>;
  createOidcProvider(input: { url: string; clientIds: string[]; thumbprints: string[]; tags: Tag[] }): Promise<string>;
  /** True when the managed policy exists (GetPolicy). */
  policyExists(arn: string): Promise<boolean>;
  getRole(name: string): Promise<RoleInfo | undefined>;
  /** Every role with its tags and attached managed policies. */
  listRoles(): Promise<RoleInfo[]>;
  createRole(input: { name: string; trustPolicy: string; tags: Tag[] }): Promise<RoleInfo>;
  deleteRole(name: string): Promise<void>;
  attachRolePolicy(role: string, policyArn: string): Promise<void>;
  detachRolePolicy(role: string, policyArn: string): Promise<void>;
  listAttachedRolePolicies(role: string): Promise<string[]>;
  listRolePolicies(role: string): Promise<string[]>;
  deleteRolePolicy(role: string, policyName: string): Promise<void>;
}

export interface ServiceAccountInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface KubeApi {
  /** The API server this client talks to (for messages). */
  readonly server: string;
  namespaceExists(name: string): Promise<boolean>;
  createNamespace(name: string): Promise<void>;
  deleteNamespace(name: string): Promise<void>;
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccountInfo | undefined>;
  /** All namespaces when `namespace` is undefined. */
  listServiceAccounts(namespace?: string): Promise<ServiceAccountInfo[]>;
  createServiceAccount(sa: ServiceAccountInfo): Promise<void>;
  /** Sets the labels and annotations of an existing ServiceAccount to exactly these. */
  updateServiceAccountMetadata(sa: ServiceAccountInfo): Promise<void>;
  deleteServiceAccount(namespace: string, name: string): Promise<void>;
}

/** A failure reported by an API, with its error code (`NoSuchEntity`, `ResourceNotFoundException`, `404`…). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An expected failure of an eksctl command: the message is for the user, the exit code 1. */
export class EksctlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EksctlError';
  }
}

/** True for an `ApiError` with one of these codes (a code matches with or without the SDK's `Exception` suffix). */
export function isApiError(e: unknown, ...codes: string[]): e is ApiError {
  return e instanceof ApiError && codes.some((c) => e.code === c || e.code === `${c}Exception`);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
