import { STS_AUDIENCE } from './constants.js';

/**
 * The IAM side of an iamserviceaccount, derived from the cluster's issuer URL as eksctl derives
 * it (pkg/iam/oidc/api.go): the OIDC provider's ARN and the trust policy of the role.
 */

/**
 * `https://HOST[:PORT]/PATH` → `HOST[:PORT]/PATH`: IAM keys an OIDC provider by its URL without
 * the scheme, and the condition keys of a web identity are that key followed by `:aud` / `:sub`.
 * eksctl uses `Hostname() + Path` here; EKS issuers have no port, so the two agree there, and
 * irsa-local's loopback issuers need the port kept (IAM keeps it in the provider's key).
 */
export function issuerHostPath(issuer: string): string {
  if (!issuer.startsWith('https://')) throw new Error(`unsupported URL scheme in OIDC issuer \`${issuer}\``);
  const rest = issuer.slice('https://'.length);
  if (!rest || rest.startsWith('/')) throw new Error(`parsing OIDC issuer URL \`${issuer}\``);
  return rest;
}

export function oidcProviderArn(partition: string, account: string, hostPath: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${hostPath}`;
}

export function serviceAccountSubject(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export interface TrustPolicy {
  Version: '2012-10-17';
  Statement: [
    {
      Effect: 'Allow';
      Principal: { Federated: string };
      Action: 'sts:AssumeRoleWithWebIdentity';
      Condition: { StringEquals: Record<string, string> };
    },
  ];
}

/**
 * The trust policy of an iamserviceaccount's role, as `aws iam get-role --query
 * Role.AssumeRolePolicyDocument` shows it for a role eksctl made (the walkthrough's output):
 * keys in that order, `Action` a string, `:aud` before `:sub`.
 */
export function trustPolicy(providerArn: string, hostPath: string, namespace: string, name: string): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${hostPath}:aud`]: STS_AUDIENCE,
            [`${hostPath}:sub`]: serviceAccountSubject(namespace, name),
          },
        },
      },
    ],
  };
}

export interface ClusterArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`; eksctl learns the account from STS, irsa from this ARN. */
export function parseClusterArn(arn: string): ClusterArn | undefined {
  const m = /^arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/.exec(arn);
  return m ? { partition: m[1] as string, region: m[2] as string, account: m[3] as string, name: m[4] as string } : undefined;
}
