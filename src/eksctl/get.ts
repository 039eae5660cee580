/**
 * `irsa get iamserviceaccount`: eksctl's `doGetIAMServiceAccount` (pkg/ctl/get/iamserviceaccount.go).
 * eksctl lists its CloudFormation stacks; irsa lists what stands in for them — the roles tagged
 * as an iamserviceaccount of the cluster — together with every ServiceAccount annotated with
 * `eks.amazonaws.com/role-arn`, which is what the pod identity webhook acts on.
 */
import { describeOperableCluster } from './cluster.js';
import { IAM_SERVICE_ACCOUNT_NAME_TAG, ROLE_ARN_ANNOTATION } from './constants.js';
import { isServiceAccountRole, saName } from './create-plan.js';
import { EksctlError, errorText, type EksApi, type IamApi, type KubeApi, type RoleInfo } from './ports.js';
import { tabTable } from './table.js';
import { toYaml } from './yaml.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export interface GetDeps {
  readonly eks: EksApi;
  readonly iam: IamApi;
  readonly kube: (endpoint: string | undefined) => KubeApi;
}

export interface GetOptions {
  readonly cluster: string;
  readonly region: string;
  /** Set when `--namespace` was given (eksctl filters by namespace only then). */
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly output: OutputFormat;
}

export interface IamServiceAccountEntry {
  readonly namespace: string;
  readonly name: string;
  readonly roleArn: string;
  readonly roleName?: string | undefined;
  readonly attachPolicyARNs?: readonly string[] | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** Entries by `ns/name`: a ServiceAccount's annotation wins over a role's tags, as the webhook reads the annotation. */
export function mergeEntries(
  cluster: string,
  roles: readonly RoleInfo[],
  serviceAccounts: readonly { namespace: string; name: string; labels: Readonly<Record<string, string>>; annotations: Readonly<Record<string, string>> }[],
): IamServiceAccountEntry[] {
  const byArn = new Map(roles.map((r) => [r.arn, r]));
  const out = new Map<string, IamServiceAccountEntry>();
  for (const r of roles) {
    if (!isServiceAccountRole(r, cluster)) continue;
    const id = r.tags.find((t) => t.key === IAM_SERVICE_ACCOUNT_NAME_TAG)?.value ?? '';
    const slash = id.indexOf('/');
    if (slash < 1) continue;
    out.set(id, { namespace: id.slice(0, slash), name: id.slice(slash + 1), roleArn: r.arn, roleName: r.name, attachPolicyARNs: r.attachedPolicies });
  }
  for (const sa of serviceAccounts) {
    const arn = sa.annotations[ROLE_ARN_ANNOTATION];
    if (!arn) continue;
    const role = byArn.get(arn);
    out.set(saName(sa.namespace, sa.name), {
      namespace: sa.namespace,
      name: sa.name,
      roleArn: arn,
      roleName: role?.name,
      attachPolicyARNs: role?.attachedPolicies,
      labels: Object.keys(sa.labels).length ? sa.labels : undefined,
    });
  }
  return [...out.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export async function getIamServiceAccounts(deps: GetDeps, opts: GetOptions): Promise<IamServiceAccountEntry[]> {
  const cluster = await describeOperableCluster(deps.eks, opts.cluster, opts.region);
  let roles: RoleInfo[];
  try {
    roles = await deps.iam.listRoles();
  } catch (e) {
    throw new EksctlError(`getting iamserviceaccounts: ${errorText(e)}`);
  }
  const kube = deps.kube(cluster.info.endpoint);
  const namespace = opts.name !== undefined ? (opts.namespace ?? 'default') : opts.namespace;
  let sas;
  try {
    sas = await kube.listServiceAccounts(namespace);
  } catch (e) {
    throw new EksctlError(`listing serviceaccounts: ${errorText(e)}`);
  }
  let entries = mergeEntries(opts.cluster, roles, sas);
  // eksctl: a name selects `namespace/name` (namespace defaulting to "default"); a namespace alone selects `namespace/*`.
  if (opts.name !== undefined) {
    const id = saName(namespace ?? 'default', opts.name);
    entries = entries.filter((e) => saName(e.namespace, e.name) === id);
    if (entries.length === 0) throw new EksctlError(`iamserviceaccount "${id}" not found`);
  } else if (namespace !== undefined) {
    entries = entries.filter((e) => e.namespace === namespace);
    if (entries.length === 0) throw new EksctlError(`no iamserviceaccounts found in namespace "${namespace}"`);
  }
  return entries;
}

/** eksctl prints a ClusterConfig for json and yaml, and a NAMESPACE / NAME / ROLE ARN table otherwise. */
export function formatIamServiceAccounts(entries: readonly IamServiceAccountEntry[], format: OutputFormat, cluster: string, region: string): string {
  if (format === 'table') return tabTable([['NAMESPACE', 'NAME', 'ROLE ARN'], ...entries.map((e) => [e.namespace, e.name, e.roleArn])]);
  const config = {
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name: cluster, region },
    iam: {
      withOIDC: true,
      serviceAccounts: entries.map((e) => ({
        metadata: { name: e.name, namespace: e.namespace, ...(e.labels ? { labels: e.labels } : {}) },
        ...(e.attachPolicyARNs?.length ? { attachPolicyARNs: e.attachPolicyARNs } : {}),
        ...(e.roleName ? { roleName: e.roleName } : {}),
        status: { roleARN: e.roleArn },
      })),
    },
  };
  return format === 'json' ? `${JSON.stringify(config, null, 4)}\n` : toYaml(config);
}
