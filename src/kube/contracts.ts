/**
 * The seams of the cluster half of irsa-local. The embedded Kubernetes API (kube/api), the
 * ServiceAccount token issuer (oidc/issuer), the pod identity webhook (kube/webhook) and the pod
 * runner (kube/exec) meet only through these interfaces; server/ composes them.
 */

/** A Kubernetes object as JSON (apiVersion, kind, metadata, spec, status, …). */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [k: string]: unknown;
}

/** Signs ServiceAccount tokens with the shape of Kubernetes projected tokens. */
export interface ServiceAccountTokenIssuer {
  /** `https://HOST[:PORT]/id/<ID>` — the `iss` of every token, and where discovery is served. */
  readonly issuerUrl: string;
  issue(request: TokenIssueRequest): Promise<IssuedToken>;
}

export interface TokenIssueRequest {
  readonly namespace: string;
  readonly serviceAccount: { readonly name: string; readonly uid: string };
  /** Defaults to the issuer URL when empty, as kube-apiserver defaults to its own audiences. */
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  /** Set when the token is bound to a pod (TokenRequest boundObjectRef, projected volumes). */
  readonly pod?: { readonly name: string; readonly uid: string };
}

export interface IssuedToken {
  readonly token: string;
  readonly expirationTimestamp: Date;
}

/** Mutating admission for pods on create (the pod identity webhook, run in process). */
export interface PodAdmission {
  /** Returns the pod to store (mutated or not). Never throws for "nothing to do". */
  admitPod(pod: KubeObject, namespace: string): Promise<KubeObject>;
}

/** Looks up ServiceAccounts for admission; a miss must consult the store, not only a cache. */
export interface ServiceAccountLookup {
  get(namespace: string, name: string): Promise<KubeObject | undefined>;
}
