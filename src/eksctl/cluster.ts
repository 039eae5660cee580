import { CLUSTER_ACTIVE } from './constants.js';
import { issuerHostPath, oidcProviderArn, parseClusterArn } from './trust-policy.js';
import { EksctlError, errorText, type ClusterInfo, type EksApi } from './ports.js';

/** A cluster eksctl can operate on, with the identity facts the IRSA commands derive from it. */
export interface OperableCluster {
  readonly info: ClusterInfo;
  readonly region: string;
  readonly partition: string;
  readonly account: string;
  readonly issuer: string;
  /** The issuer URL without `https://`: the provider's key and the prefix of `:aud` / `:sub`. */
  readonly hostPath: string;
  readonly providerArn: string;
}

/**
 * DescribeCluster, then eksctl's `CanOperate` check (pkg/eks/api.go): the cluster must be
 * ACTIVE. Messages as eksctl's (`unable to describe cluster control plane: …`).
 */
export async function describeOperableCluster(eks: EksApi, name: string, region: string): Promise<OperableCluster> {
  let info: ClusterInfo;
  try {
    info = await eks.describeCluster(name);
  } catch (e) {
    throw new EksctlError(`unable to describe cluster control plane: ${errorText(e)}`);
  }
  if (info.status !== CLUSTER_ACTIVE) {
    throw new EksctlError(`cannot perform Kubernetes API operations on cluster "${name}" in "${region}" region due to status "${info.status}"`);
  }
  const arn = parseClusterArn(info.arn);
  if (!arn) throw new EksctlError(`unexpected or invalid ARN: "${info.arn}"`);
  if (!info.issuer) throw new EksctlError(`cluster "${name}" has no OIDC issuer (cluster.identity.oidc.issuer is empty)`);
  let hostPath: string;
  try {
    hostPath = issuerHostPath(info.issuer);
  } catch (e) {
    throw new EksctlError((e as Error).message);
  }
  return {
    info,
    region: arn.region,
    partition: arn.partition,
    account: arn.account,
    issuer: info.issuer,
    hostPath,
    providerArn: oidcProviderArn(arn.partition, arn.account, hostPath),
  };
}
