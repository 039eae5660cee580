/**
 * `irsa delete iamserviceaccount`: eksctl's `doDeleteIAMServiceAccount`
 * (pkg/ctl/delete/iamserviceaccount.go, pkg/actions/irsa). eksctl deletes the iamserviceaccount's
 * CloudFormation stack (its role) and then the ServiceAccount, but only a ServiceAccount labelled
 * `app.kubernetes.io/managed-by=eksctl`. irsa deletes the role tagged as that iamserviceaccount's
 * (detaching its policies first, as CloudFormation does), then the ServiceAccount by the same rule.
 * Like eksctl without a config file, it acts at once: there is no plan mode for a delete by name.
 */
import { describeOperableCluster } from './cluster.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './constants.js';
import { isServiceAccountRole, saName } from './create-plan.js';
import type { Logger } from './logger.js';
import { EksctlError, errorText, type EksApi, type IamApi, type KubeApi, type RoleInfo } from './ports.js';
import { describeTree } from './task-tree.js';

export interface DeleteDeps {
  readonly eks: EksApi;
  readonly iam: IamApi;
  readonly kube: (endpoint: string | undefined) => KubeApi;
  readonly log: Logger;
}

export interface DeleteOptions {
  readonly cluster: string;
  readonly region: string;
  readonly namespace: string;
  readonly name: string;
}

export interface DeleteResult {
  readonly deletedRole?: string | undefined;
  readonly deletedServiceAccount: boolean;
}

/** Detaches managed policies, deletes inline ones, then deletes the role. */
export async function deleteRoleCompletely(iam: IamApi, role: string, log: Logger): Promise<void> {
  for (const arn of await iam.listAttachedRolePolicies(role)) {
    await iam.detachRolePolicy(role, arn);
    log.info(`detached policy "${arn}" from IAM role "${role}"`);
  }
  for (const name of await iam.listRolePolicies(role)) await iam.deleteRolePolicy(role, name);
  await iam.deleteRole(role);
}

export async function deleteIamServiceAccount(deps: DeleteDeps, opts: DeleteOptions): Promise<DeleteResult> {
  const { log, iam } = deps;
  const id = saName(opts.namespace, opts.name);
  const cluster = await describeOperableCluster(deps.eks, opts.cluster, opts.region);
  let role: RoleInfo | undefined;
  try {
    if (!(await iam.getOidcProvider(cluster.providerArn))) throw new EksctlError('unable to delete iamserviceaccount(s) without IAM OIDC provider enabled');
    role = (await iam.listRoles()).find((r) => isServiceAccountRole(r, opts.cluster, opts.namespace, opts.name));
  } catch (e) {
    if (e instanceof EksctlError) throw e;
    throw new EksctlError(`getting iamserviceaccounts: ${errorText(e)}`);
  }
  const kube = deps.kube(cluster.info.endpoint);
  // Reach the cluster before deleting anything, so an unreachable API leaves the role in place.
  try {
    await kube.getServiceAccount(opts.namespace, opts.name);
  } catch (e) {
    throw new EksctlError(`checking whether serviceaccount "${id}" exists: ${errorText(e)}`);
  }
  log.info(`1 iamserviceaccount (${id}) was included (based on the include/exclude rules)`);
  const tasks = [...(role ? [`delete IAM role for serviceaccount "${id}"`] : []), `delete serviceaccount "${id}"`];
  log.info(describeTree({ parallel: true, tasks: [{ subTask: true, tasks }] }));

  const failed = (e: unknown): never => {
    log.info("1 error(s) occurred and IAM Role stacks haven't been deleted properly");
    log.critical(errorText(e));
    throw new EksctlError('failed to delete iamserviceaccount(s)');
  };
  if (role) {
    log.info(`will delete IAM role "${role.name}"`);
    try {
      await deleteRoleCompletely(iam, role.name, log);
    } catch (e) {
      failed(e);
    }
    log.info(`deleted IAM role "${role.name}"`);
  }
  let deletedServiceAccount = false;
  try {
    const sa = await kube.getServiceAccount(opts.namespace, opts.name);
    if (!sa) log.info(`serviceaccount "${id}" was already deleted`);
    else if (sa.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) log.info(`serviceaccount "${id}" was not created by eksctl; will not be deleted`);
    else {
      await kube.deleteServiceAccount(opts.namespace, opts.name);
      deletedServiceAccount = true;
      log.info(`deleted serviceaccount "${id}"`);
    }
  } catch (e) {
    failed(e);
  }
  return { deletedRole: role?.name, deletedServiceAccount };
}
