/**
 * The resource types the embedded API serves: the discovery facts kubectl needs (plural, kind,
 * short names, scope, verbs, subresources) in one table.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#standard-api-terminology
 */
export interface SubresourceDef {
  readonly name: string;
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly verbs: readonly string[];
}

export interface ResourceDef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  readonly subresources: readonly SubresourceDef[];
  /** metadata.generation is kept and bumped on spec changes (workload-like objects). */
  readonly generation: boolean;
  /** Has a `status` the main endpoint must not change (status goes through /status). */
  readonly statusSubresource: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const NS_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;

function def(p: Partial<ResourceDef> & Pick<ResourceDef, 'plural' | 'singular' | 'kind'>): ResourceDef {
  return {
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    generation: false,
    statusSubresource: false,
    ...p,
  };
}

function status(r: Pick<ResourceDef, 'group' | 'version' | 'kind'>): SubresourceDef {
  return { name: 'status', kind: r.kind, group: r.group, version: r.version, verbs: ['get', 'patch', 'update'] };
}

/** Adds the status subresource to a definition. */
function withStatus(r: ResourceDef, extra: SubresourceDef[] = []): ResourceDef {
  return { ...r, subresources: [status(r), ...extra] };
}

export const NAMESPACES = withStatus(def({ plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], verbs: NS_VERBS, statusSubresource: true }));
export const SERVICE_ACCOUNTS = def({
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  shortNames: ['sa'],
  subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
});
export const PODS = withStatus(def({ plural: 'pods', singular: 'pod', kind: 'Pod', shortNames: ['po'], categories: ['all'], statusSubresource: true }), [
  { name: 'exec', kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
]);
export const EVENTS = def({ plural: 'events', singular: 'event', kind: 'Event', shortNames: ['ev'] });
export const SECRETS = def({ plural: 'secrets', singular: 'secret', kind: 'Secret' });
export const CONFIG_MAPS = def({ plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', shortNames: ['cm'] });
export const NODES = withStatus(def({ plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], statusSubresource: true }));
const SCALE: SubresourceDef = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };
export const DEPLOYMENTS = withStatus(
  def({ group: 'apps', plural: 'deployments', singular: 'deployment', kind: 'Deployment', shortNames: ['deploy'], categories: ['all'], generation: true, statusSubresource: true }),
  [SCALE],
);
export const REPLICA_SETS = withStatus(
  def({ group: 'apps', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', shortNames: ['rs'], categories: ['all'], generation: true, statusSubresource: true }),
  [SCALE],
);
export const MUTATING_WEBHOOK_CONFIGURATIONS = def({
  group: 'admissionregistration.k8s.io',
  plural: 'mutatingwebhookconfigurations',
  singular: 'mutatingwebhookconfiguration',
  kind: 'MutatingWebhookConfiguration',
  namespaced: false,
  categories: ['api-extensions'],
  generation: true,
});

/** `kubectl auth can-i`: answered (always allowed: the API has no authorization), never stored. */
export const SELF_SUBJECT_ACCESS_REVIEWS = def({
  group: 'authorization.k8s.io',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  kind: 'SelfSubjectAccessReview',
  namespaced: false,
  verbs: ['create'],
});

/** Every served resource, in discovery order. */
export const RESOURCES: readonly ResourceDef[] = [
  NAMESPACES,
  SERVICE_ACCOUNTS,
  PODS,
  EVENTS,
  SECRETS,
  CONFIG_MAPS,
  NODES,
  DEPLOYMENTS,
  REPLICA_SETS,
  MUTATING_WEBHOOK_CONFIGURATIONS,
  SELF_SUBJECT_ACCESS_REVIEWS,
];

export function apiVersionOf(r: Pick<ResourceDef, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The group/versions served, core first. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}
