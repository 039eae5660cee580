/**
 * `irsa utils associate-iam-oidc-provider`: eksctl's `doAssociateIAMOIDCProvider`
 * (pkg/ctl/utils/associate_iam_oidc_provider.go). Creates the IAM OIDC provider for the
 * cluster's issuer, with client id `sts.amazonaws.com` and the thumbprint of the issuer's CA;
 * says so and changes nothing when it already exists; only plans without `--approve`.
 */
import { describeOperableCluster } from './cluster.js';
import { CLUSTER_NAME_TAG, STS_AUDIENCE } from './constants.js';
import type { Logger } from './logger.js';
import { EksctlError, errorText, isApiError, type EksApi, type IamApi } from './ports.js';
import { logIntendedAction, logPlanModeWarning } from './plan-mode.js';

export interface AssociateDeps {
  readonly eks: EksApi;
  readonly iam: IamApi;
  readonly log: Logger;
  /** SHA-1 of the issuer's CA (thumbprint.ts `issuerCaThumbprint`). */
  readonly thumbprint: (issuer: string, caPem: string | undefined) => Promise<string>;
}

export interface AssociateOptions {
  readonly cluster: string;
  readonly region: string;
  readonly approve: boolean;
}

export interface AssociateResult {
  /** The provider's ARN; undefined in plan mode when it does not exist yet. */
  readonly providerArn: string | undefined;
  readonly created: boolean;
}

export async function associateIamOidcProvider(deps: AssociateDeps, opts: AssociateOptions): Promise<AssociateResult> {
  const { log } = deps;
  const plan = !opts.approve;
  log.info(`using region ${opts.region}`);
  const cluster = await describeOperableCluster(deps.eks, opts.cluster, opts.region);
  const existing = await deps.iam.getOidcProvider(cluster.providerArn).catch((e: unknown) => {
    throw new EksctlError(`checking IAM OIDC provider ${cluster.providerArn}: ${errorText(e)}`);
  });
  const where = `cluster "${opts.cluster}" in "${opts.region}"`;
  if (existing) {
    log.info(`IAM Open ID Connect provider is already associated with ${where}`);
    return { providerArn: existing.arn, created: false };
  }
  logIntendedAction(log, plan, `create IAM Open ID Connect provider for ${where}`);
  if (plan) {
    logPlanModeWarning(log, true);
    return { providerArn: undefined, created: false };
  }
  let thumbprint: string;
  try {
    thumbprint = await deps.thumbprint(cluster.issuer, cluster.info.caPem);
  } catch (e) {
    throw new EksctlError((e as Error).message);
  }
  let arn: string;
  try {
    arn = await deps.iam.createOidcProvider({ url: cluster.issuer, clientIds: [STS_AUDIENCE], thumbprints: [thumbprint], tags: [{ key: CLUSTER_NAME_TAG, value: opts.cluster }] });
  } catch (e) {
    // Someone associated it between our check and now: the outcome the user asked for.
    if (isApiError(e, 'EntityAlreadyExists')) {
      log.info(`IAM Open ID Connect provider is already associated with ${where}`);
      return { providerArn: cluster.providerArn, created: false };
    }
    throw new EksctlError(`creating OIDC provider: ${errorText(e)}`);
  }
  log.success(`created IAM Open ID Connect provider for ${where}`);
  return { providerArn: arn, created: true };
}
