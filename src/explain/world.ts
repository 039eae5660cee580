import type { KubeObject } from '../kube/contracts.js';
import type { ActionCatalog } from '../policy/catalog.js';
import type { PolicySet } from '../policy/index.js';

/**
 * What the explainer can see: one cluster (its issuer, its webhook settings, its ServiceAccounts
 * and pods) and one IAM account (providers, roles with their policies). The running server reads
 * these from the store (src/server/explain-world.ts); `irsa analyze` from an exported account and
 * manifests. The explainer never writes and never calls out.
 */
export interface ClusterView {
  readonly name: string;
  /** `https://host[:port]/id/X`: the `iss` of the cluster's ServiceAccount tokens. */
  readonly issuerUrl: string | undefined;
  readonly webhook: WebhookView;
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  serviceAccounts(namespace?: string): Promise<KubeObject[]>;
  pod(namespace: string, name: string): Promise<KubeObject | undefined>;
  pods(namespace?: string): Promise<KubeObject[]>;
}

/** The pod identity webhook's settings that decide what a pod gets. */
export interface WebhookView {
  readonly annotationPrefix: string;
  /** Audience of the projected token unless the ServiceAccount's `audience` annotation says otherwise. */
  readonly audience: string;
  readonly mountPath: string;
  /** Seconds, unless the ServiceAccount or pod's `token-expiration` annotation says otherwise. */
  readonly tokenExpiration: number;
}

export interface ProviderView {
  readonly arn: string;
  /** The issuer without `https://`, as IAM keys providers. */
  readonly url: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
}

export interface RoleView {
  readonly arn: string;
  readonly name: string;
  readonly roleId: string;
  /** The trust policy's text, and compiled. */
  readonly trustDocument: string;
  readonly trust: PolicySet;
  /** Attached managed policies (default versions) and inline policies. */
  readonly identity: PolicySet;
  readonly boundary: PolicySet | undefined;
  readonly boundaryArn: string | undefined;
  readonly attachedPolicyArns: readonly string[];
  readonly inlinePolicyNames: readonly string[];
  readonly maxSessionDuration: number;
}

export interface IamView {
  readonly account: string;
  readonly partition: string;
  providers(): Promise<ProviderView[]>;
  /** A role by ARN; undefined when it is not in this account or does not exist. */
  role(arn: string): Promise<RoleView | undefined>;
  /** Every role whose trust policy text mentions `text` (the doctor asks for its provider's URL); optional. */
  rolesTrusting?(text: string): Promise<RoleView[]>;
  /** A resource's own policy (an S3 bucket policy, a secret's resource policy), when the view can read it. */
  resourcePolicy?(resourceArn: string): Promise<{ readonly set: PolicySet; readonly account: string } | undefined>;
  /**
   * Whether the provider's thumbprints would let STS trust the issuer's TLS certificate:
   * undefined when this view cannot tell (offline analysis).
   */
  issuerTrusted?(provider: ProviderView): Promise<boolean | undefined>;
}

export interface ExplainWorld {
  readonly cluster: ClusterView;
  readonly iam: IamView;
  readonly now: Date;
  /** The AWS action catalog, to name the ARN form an action needs (bucket vs object). */
  readonly catalog?: ActionCatalog | undefined;
  /** aws:SecureTransport of the requests asked about: false for irsa-local's http:// endpoint, true for AWS (offline analysis). */
  readonly secureTransport?: boolean;
}
