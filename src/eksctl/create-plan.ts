/**
 * The pure half of `irsa create iamserviceaccount`: from what the checks observed, decide what
 * eksctl would do (include or exclude the iamserviceaccount, the task list, the role's name,
 * trust policy and tags, the ServiceAccount's metadata) or refuse with every reason at once.
 * Nothing here does I/O; create.ts observes, then carries out the steps.
 */
import { CLUSTER_NAME_TAG, IAM_SERVICE_ACCOUNT_NAME_TAG, MANAGED_BY_LABEL, MANAGED_BY_VALUE, OLD_CLUSTER_NAME_TAG, ROLE_ARN_ANNOTATION } from './constants.js';
import type { RoleInfo, ServiceAccountInfo, Tag } from './ports.js';
import { generatedRoleName, isValidRoleName, stackName } from './role-name.js';
import type { TaskTree } from './task-tree.js';
import { trustPolicy } from './trust-policy.js';

export interface CreateRequest {
  readonly cluster: string;
  readonly region: string;
  readonly namespace: string;
  readonly name: string;
  /** `--role-name`; generated as eksctl's CloudFormation would name it when absent. */
  readonly roleName?: string | undefined;
  readonly policyArns: readonly string[];
  /** `--tags`, put on the role. */
  readonly tags: readonly Tag[];
  readonly overrideExisting: boolean;
  readonly roleOnly: boolean;
}

/** The identity facts of the cluster (cluster.ts `OperableCluster`). */
export interface ClusterIdentity {
  readonly partition: string;
  readonly account: string;
  readonly hostPath: string;
  readonly providerArn: string;
}

export interface CreateObservation {
  readonly cluster: ClusterIdentity;
  readonly providerExists: boolean;
  /** Policy ARNs GetPolicy did not find. */
  readonly missingPolicies: readonly string[];
  /** A role already tagged as this iamserviceaccount's (eksctl: its stack exists). */
  readonly existingRole?: RoleInfo | undefined;
  /** The role `--role-name` names, when one exists. */
  readonly namedRole?: RoleInfo | undefined;
  /** Unset with `--role-only` (the cluster is not consulted). */
  readonly namespaceExists?: boolean | undefined;
  readonly serviceAccount?: ServiceAccountInfo | undefined;
  /** Random suffix for a generated role name (role-name.ts `randomSuffix`). */
  readonly suffix: string;
}

export type CreateStep =
  | { readonly kind: 'createRole'; readonly roleName: string; readonly trustPolicy: string; readonly tags: readonly Tag[] }
  | { readonly kind: 'attachPolicy'; readonly roleName: string; readonly policyArn: string }
  | { readonly kind: 'createNamespace'; readonly namespace: string }
  | { readonly kind: 'createServiceAccount'; readonly sa: ServiceAccountInfo }
  | { readonly kind: 'updateServiceAccount'; readonly sa: ServiceAccountInfo; readonly previous: ServiceAccountInfo }
  | { readonly kind: 'serviceAccountUpToDate'; readonly sa: ServiceAccountInfo };

export type RollbackStep =
  | { readonly kind: 'deleteRole'; readonly roleName: string }
  | { readonly kind: 'detachPolicy'; readonly roleName: string; readonly policyArn: string }
  | { readonly kind: 'deleteNamespace'; readonly namespace: string }
  | { readonly kind: 'deleteServiceAccount'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'restoreServiceAccount'; readonly sa: ServiceAccountInfo };

export type CreatePlan =
  | { readonly outcome: 'refused'; readonly errors: readonly string[]; readonly warnings: readonly string[] }
  | {
      readonly outcome: 'excluded';
      /** `ns/name`, for eksctl's "1 existing iamserviceaccount(s) (…) will be excluded". */
      readonly existing: string;
      readonly reason: 'role' | 'serviceaccount';
    }
  | {
      readonly outcome: 'included';
      readonly roleName: string;
      readonly roleArn: string;
      readonly steps: readonly CreateStep[];
      readonly tasks: TaskTree;
    };

/** `namespace/name`, eksctl's `NameString()`. */
export const saName = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The tags eksctl's stack (and so its role) carries, then the user's `--tags`. */
export function roleTags(cluster: string, namespace: string, name: string, extra: readonly Tag[]): Tag[] {
  const own = [
    { key: CLUSTER_NAME_TAG, value: cluster },
    { key: OLD_CLUSTER_NAME_TAG, value: cluster },
    { key: IAM_SERVICE_ACCOUNT_NAME_TAG, value: saName(namespace, name) },
  ];
  return [...own, ...extra.filter((t) => !own.some((o) => o.key === t.key))];
}

const tagValue = (r: RoleInfo, key: string): string | undefined => r.tags.find((t) => t.key === key)?.value;

/** The role is the iamserviceaccount `ns/name` of this cluster (eksctl: the stack's tags). */
export function isServiceAccountRole(r: RoleInfo, cluster: string, namespace?: string, name?: string): boolean {
  if (tagValue(r, CLUSTER_NAME_TAG) !== cluster && tagValue(r, OLD_CLUSTER_NAME_TAG) !== cluster) return false;
  const sa = tagValue(r, IAM_SERVICE_ACCOUNT_NAME_TAG);
  if (sa === undefined) return false;
  return namespace === undefined || name === undefined || sa === saName(namespace, name);
}

/** DNS-1123 subdomain (ServiceAccount names) and label (namespaces), as the API server checks them. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The ServiceAccount after eksctl's `MaybeCreateServiceAccountOrUpdateMetadata` merge. */
export function desiredServiceAccount(namespace: string, name: string, roleArn: string, current?: ServiceAccountInfo): ServiceAccountInfo {
  return {
    namespace,
    name,
    labels: { ...(current?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: { ...(current?.annotations ?? {}), [ROLE_ARN_ANNOTATION]: roleArn },
  };
}

const sameMap = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export function planCreate(req: CreateRequest, obs: CreateObservation): CreatePlan {
  const id = saName(req.namespace, req.name);
  const warnings: string[] = [];
  const errors: string[] = [];
  if (!obs.providerExists) {
    // eksctl's warning and error, with `irsa` for the command to run (pkg/ctl/create/iamserviceaccount.go).
    warnings.push(`no IAM OIDC provider associated with cluster, try 'irsa utils associate-iam-oidc-provider --region=${req.region} --cluster=${req.cluster}'`);
    return { outcome: 'refused', errors: ['unable to create iamserviceaccount(s) without IAM OIDC provider enabled'], warnings };
  }
  // eksctl's SetExcludeExistingFilter: an iamserviceaccount whose stack exists is excluded, and so
  // (without --override-existing-serviceaccounts, and unless --role-only) is one whose
  // ServiceAccount exists.
  if (obs.existingRole) return { outcome: 'excluded', existing: id, reason: 'role' };
  if (!req.roleOnly && !req.overrideExisting && obs.serviceAccount) return { outcome: 'excluded', existing: id, reason: 'serviceaccount' };

  if (!DNS_LABEL.test(req.namespace)) errors.push(`invalid namespace "${req.namespace}": must be a lowercase RFC 1123 label`);
  if (!DNS_SUBDOMAIN.test(req.name)) errors.push(`invalid serviceaccount name "${req.name}": must be a lowercase RFC 1123 subdomain`);
  for (const arn of obs.missingPolicies) errors.push(`policy ${arn} does not exist or is not attachable`);
  const roleName = req.roleName ?? generatedRoleName(stackName(req.cluster, req.namespace, req.name), obs.suffix);
  if (!isValidRoleName(roleName)) errors.push(`invalid role name "${roleName}": must be 1 to 64 of the characters A-Z a-z 0-9 + = , . @ _ -`);
  if (obs.namedRole) errors.push(`IAM role "${obs.namedRole.name}" already exists (${obs.namedRole.arn}); choose another --role-name, or delete the role first`);
  if (errors.length) return { outcome: 'refused', errors, warnings };

  const roleArn = `arn:${obs.cluster.partition}:iam::${obs.cluster.account}:role/${roleName}`;
  const document = JSON.stringify(trustPolicy(obs.cluster.providerArn, obs.cluster.hostPath, req.namespace, req.name));
  const steps: CreateStep[] = [
    { kind: 'createRole', roleName, trustPolicy: document, tags: roleTags(req.cluster, req.namespace, req.name, req.tags) },
    ...[...new Set(req.policyArns)].map((policyArn): CreateStep => ({ kind: 'attachPolicy', roleName, policyArn })),
  ];
  const taskNames = [`create IAM role for serviceaccount "${id}"`];
  if (!req.roleOnly) {
    taskNames.push(`create serviceaccount "${id}"`);
    if (!obs.namespaceExists) steps.push({ kind: 'createNamespace', namespace: req.namespace });
    const sa = desiredServiceAccount(req.namespace, req.name, roleArn, obs.serviceAccount);
    if (!obs.serviceAccount) steps.push({ kind: 'createServiceAccount', sa });
    else if (sameMap(sa.labels, obs.serviceAccount.labels) && sameMap(sa.annotations, obs.serviceAccount.annotations)) steps.push({ kind: 'serviceAccountUpToDate', sa });
    else steps.push({ kind: 'updateServiceAccount', sa, previous: obs.serviceAccount });
  }
  // eksctl: one parallel tree with a sequential sub-tree per iamserviceaccount.
  const tasks: TaskTree = { parallel: true, tasks: [{ subTask: true, tasks: taskNames }] };
  return { outcome: 'included', roleName, roleArn, steps, tasks };
}

/** What undoes the steps that were carried out, last first (policies are detached before the role is deleted). */
export function rollbackOf(done: readonly CreateStep[]): RollbackStep[] {
  const out: RollbackStep[] = [];
  for (const s of [...done].reverse()) {
    switch (s.kind) {
      case 'createRole':
        out.push({ kind: 'deleteRole', roleName: s.roleName });
        break;
      case 'attachPolicy':
        out.push({ kind: 'detachPolicy', roleName: s.roleName, policyArn: s.policyArn });
        break;
      case 'createNamespace':
        out.push({ kind: 'deleteNamespace', namespace: s.namespace });
        break;
      case 'createServiceAccount':
        out.push({ kind: 'deleteServiceAccount', namespace: s.sa.namespace, name: s.sa.name });
        break;
      case 'updateServiceAccount':
        out.push({ kind: 'restoreServiceAccount', sa: s.previous });
        break;
      case 'serviceAccountUpToDate':
        break;
    }
  }
  return out;
}
