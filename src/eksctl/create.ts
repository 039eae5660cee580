/**
 * `irsa create iamserviceaccount`: eksctl's `doCreateIAMServiceAccount`
 * (pkg/ctl/create/iamserviceaccount.go) without CloudFormation. Everything is checked before
 * anything is changed (cluster, OIDC provider, policies, role name, ServiceAccount); then the
 * role is created, policies attached, the ServiceAccount created or annotated. If a step fails,
 * what this run did is undone in reverse order, so a failed create leaves nothing behind.
 */
import { describeOperableCluster } from './cluster.js';
import { isServiceAccountRole, planCreate, rollbackOf, saName, type CreateObservation, type CreateRequest, type CreateStep, type RollbackStep } from './create-plan.js';
import type { Logger } from './logger.js';
import { logPlanModeWarning } from './plan-mode.js';
import { ApiError, EksctlError, errorText, isApiError, type EksApi, type IamApi, type KubeApi, type ServiceAccountInfo } from './ports.js';
import { describeTree } from './task-tree.js';

export interface CreateDeps {
  readonly eks: EksApi;
  readonly iam: IamApi;
  /** Opened once the cluster is known (its endpoint selects the kubeconfig context). */
  readonly kube: (endpoint: string | undefined) => KubeApi;
  readonly log: Logger;
  readonly suffix: () => string;
}

export interface CreateOptions extends CreateRequest {
  readonly approve: boolean;
}

export interface CreateResult {
  readonly outcome: 'created' | 'planned' | 'excluded';
  readonly roleArn?: string | undefined;
}

async function check<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new EksctlError(`${what}: ${errorText(e)}`);
  }
}

export async function createIamServiceAccount(deps: CreateDeps, opts: CreateOptions): Promise<CreateResult> {
  const { log, iam } = deps;
  const plan = !opts.approve;
  const id = saName(opts.namespace, opts.name);
  log.info(`using region ${opts.region}`);
  const cluster = await describeOperableCluster(deps.eks, opts.cluster, opts.region);

  // Observe everything the plan depends on; nothing is changed before the plan is complete.
  const provider = await check(`checking IAM OIDC provider ${cluster.providerArn}`, () => iam.getOidcProvider(cluster.providerArn));
  let obs: CreateObservation = { cluster, providerExists: provider !== undefined, missingPolicies: [], suffix: deps.suffix() };
  if (provider) {
    const roles = await check('listing IAM roles', () => iam.listRoles());
    const existingRole = roles.find((r) => isServiceAccountRole(r, opts.cluster, opts.namespace, opts.name));
    const namedRole = opts.roleName === undefined ? undefined : roles.find((r) => r.name.toLowerCase() === opts.roleName?.toLowerCase());
    const missingPolicies: string[] = [];
    for (const arn of new Set(opts.policyArns)) if (!(await check(`checking policy ${arn}`, () => iam.policyExists(arn)))) missingPolicies.push(arn);
    obs = { ...obs, existingRole, namedRole: existingRole ? undefined : namedRole, missingPolicies };
    if (!opts.roleOnly) {
      const kube = deps.kube(cluster.info.endpoint);
      const sa = await check(`checking whether serviceaccount "${id}" exists`, () => kube.getServiceAccount(opts.namespace, opts.name));
      const namespaceExists = sa !== undefined || (await check(`checking whether namespace "${opts.namespace}" exists`, () => kube.namespaceExists(opts.namespace)));
      obs = { ...obs, serviceAccount: sa, namespaceExists };
    }
  }

  const p = planCreate(opts, obs);
  if (p.outcome === 'refused') {
    for (const w of p.warnings) log.warning(w);
    throw new EksctlError(p.errors.join('\n'));
  }
  if (p.outcome === 'excluded') log.info(`1 existing iamserviceaccount(s) (${p.existing}) will be excluded`);
  log.info(`1 iamserviceaccount (${id}) was ${p.outcome === 'excluded' ? 'excluded' : 'included'} (based on the include/exclude rules)`);
  if (opts.overrideExisting) log.warning('metadata of serviceaccounts that exist in Kubernetes will be updated, as --override-existing-serviceaccounts was set');
  else log.warning('serviceaccounts that exist in Kubernetes will be excluded, use --override-existing-serviceaccounts to override');
  if (p.outcome === 'excluded') {
    log.info(describeTree({ tasks: [] }));
    return { outcome: 'excluded' };
  }
  log.info(describeTree({ ...p.tasks, planMode: plan }));
  if (plan) {
    for (const s of p.steps) log.info(`(plan) would ${describeStep(s)}`);
    logPlanModeWarning(log, true);
    return { outcome: 'planned', roleArn: p.roleArn };
  }

  const kube = opts.roleOnly ? undefined : deps.kube(cluster.info.endpoint);
  const done: CreateStep[] = [];
  for (const s of p.steps) {
    try {
      await runStep(s, iam, kube, log, id);
    } catch (e) {
      log.critical(`${errorText(e)}`);
      // A step that failed without a definite answer (a reset connection, a 5xx) may have taken
      // effect: undo it too. One refused outright (e.g. "already exists") must not be undone, as
      // what exists is not this run's.
      await rollBack(rollbackOf(outcomeUnknown(e) ? [...done, s] : done), iam, kube, log);
      throw new EksctlError('failed to create iamserviceaccount(s)');
    }
    done.push(s);
  }
  return { outcome: 'created', roleArn: p.roleArn };
}

function describeStep(s: CreateStep): string {
  switch (s.kind) {
    case 'createRole':
      return `create IAM role "${s.roleName}" with trust policy ${s.trustPolicy}`;
    case 'attachPolicy':
      return `attach policy "${s.policyArn}" to IAM role "${s.roleName}"`;
    case 'createNamespace':
      return `create namespace "${s.namespace}"`;
    case 'createServiceAccount':
    case 'updateServiceAccount':
      return `${s.kind === 'createServiceAccount' ? 'create' : 'update'} serviceaccount "${saName(s.sa.namespace, s.sa.name)}" with ${metadataText(s.sa)}`;
    case 'serviceAccountUpToDate':
      return `leave serviceaccount "${saName(s.sa.namespace, s.sa.name)}" as it is (already up-to-date)`;
  }
}

function metadataText(sa: ServiceAccountInfo): string {
  const kv = (m: Readonly<Record<string, string>>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(', ');
  return `labels {${kv(sa.labels)}} and annotations {${kv(sa.annotations)}}`;
}

function needKube(kube: KubeApi | undefined): KubeApi {
  if (!kube) throw new Error('no Kubernetes client for a Kubernetes step (a bug)');
  return kube;
}

async function runStep(s: CreateStep, iam: IamApi, kube: KubeApi | undefined, log: Logger, id: string): Promise<void> {
  switch (s.kind) {
    case 'createRole':
      log.info(`creating IAM role "${s.roleName}" for serviceaccount "${id}"`);
      await iam.createRole({ name: s.roleName, trustPolicy: s.trustPolicy, tags: [...s.tags] });
      return;
    case 'attachPolicy':
      await iam.attachRolePolicy(s.roleName, s.policyArn);
      log.info(`attached policy "${s.policyArn}" to IAM role "${s.roleName}"`);
      return;
    case 'createNamespace':
      await needKube(kube).createNamespace(s.namespace);
      log.info(`created namespace "${s.namespace}"`);
      return;
    case 'createServiceAccount':
      await needKube(kube).createServiceAccount(s.sa);
      log.info(`created serviceaccount "${id}"`);
      return;
    case 'updateServiceAccount':
      log.info(`serviceaccount "${id}" already exists`);
      await needKube(kube).updateServiceAccountMetadata(s.sa);
      log.info(`updated serviceaccount "${id}"`);
      return;
    case 'serviceAccountUpToDate':
      log.info(`serviceaccount "${id}" already exists`);
      log.info(`serviceaccount "${id}" is already up-to-date`);
      return;
  }
}

async function undo(s: RollbackStep, iam: IamApi, kube: KubeApi | undefined): Promise<string> {
  switch (s.kind) {
    case 'deleteRole':
      await iam.deleteRole(s.roleName);
      return `deleted IAM role "${s.roleName}"`;
    case 'detachPolicy':
      await iam.detachRolePolicy(s.roleName, s.policyArn);
      return `detached policy "${s.policyArn}" from IAM role "${s.roleName}"`;
    case 'deleteNamespace':
      await needKube(kube).deleteNamespace(s.namespace);
      return `deleted namespace "${s.namespace}"`;
    case 'deleteServiceAccount':
      await needKube(kube).deleteServiceAccount(s.namespace, s.name);
      return `deleted serviceaccount "${saName(s.namespace, s.name)}"`;
    case 'restoreServiceAccount':
      await needKube(kube).updateServiceAccountMetadata(s.sa);
      return `restored the labels and annotations of serviceaccount "${saName(s.sa.namespace, s.sa.name)}"`;
  }
}

/** True when a failed call may still have been carried out: no API answer, or a server-side fault. */
export function outcomeUnknown(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true;
  return /^5\d\d$/.test(e.code) || /^E[A-Z]+$/.test(e.code) || SERVER_FAULTS.has(e.code.replace(/Exception$/, ''));
}

const SERVER_FAULTS = new Set(['ServiceFailure', 'InternalFailure', 'InternalError', 'ServiceUnavailable', 'Timeout', 'TimeoutError', 'RequestTimeout', 'AbortError']);

/** Undoes every step it can, reporting each; what could not be undone is named for manual cleanup. */
async function rollBack(steps: readonly RollbackStep[], iam: IamApi, kube: KubeApi | undefined, log: Logger): Promise<void> {
  if (steps.length === 0) {
    log.info('nothing was changed');
    return;
  }
  log.info(`rolling back the ${steps.length} change(s) this run made`);
  const failed: string[] = [];
  for (const s of steps) {
    try {
      log.info(`rolled back: ${await undo(s, iam, kube)}`);
    } catch (e) {
      if (isApiError(e, 'NoSuchEntity', '404')) {
        log.info(`rolled back: ${s.kind} (already gone)`);
        continue;
      }
      failed.push(`${s.kind} ${JSON.stringify(s)}: ${errorText(e)}`);
      log.critical(`could not roll back ${s.kind}: ${errorText(e)}`);
    }
  }
  if (failed.length === 0) log.info('rolled back every change; nothing was left half-created');
  else log.critical(`${failed.length} change(s) could not be rolled back and must be removed by hand:\n${failed.join('\n')}`);
}
