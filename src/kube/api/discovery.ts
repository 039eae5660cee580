/**
 * /version, API discovery (aggregated v2 when asked for, legacy otherwise) and the minimal
 * OpenAPI v3 documents `kubectl apply` needs to hand validation to the server
 * (`fieldValidation` on every PATCH operation).
 * @see https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api
 */
import { apiVersionOf, groupVersions, RESOURCES, type ResourceDef } from './resources.js';

/** Reported as 1.32 so the GKE kubectl dispatcher runs its built-in kubectl 1.32 (kubectl-api.md §2.1). */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && /as=APIGroupDiscoveryList/.test(accept) && /v=v2(?!beta)/.test(accept);
}

function aggregatedResource(r: ResourceDef): Record<string, unknown> {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? { subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs })) }
      : {}),
  };
}

function aggregatedGroup(group: string): Record<string, unknown> {
  const versions = groupVersions().filter((g) => g.group === group);
  return {
    metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
    versions: versions.map((v) => ({
      version: v.version,
      freshness: 'Current',
      resources: RESOURCES.filter((r) => r.group === group && r.version === v.version).map(aggregatedResource),
    })),
  };
}

/** GET /api or /apis. */
export function discoveryRoot(path: '/api' | '/apis', aggregated: boolean, host: string): Record<string, unknown> {
  const groups = [...new Set(groupVersions().map((g) => g.group))];
  if (aggregated) {
    const items = path === '/api' ? [aggregatedGroup('')] : groups.filter((g) => g !== '').map(aggregatedGroup);
    return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
  }
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups
      .filter((g) => g !== '')
      .map((g) => {
        const vs = groupVersions().filter((x) => x.group === g);
        const gv = vs.map((v) => ({ groupVersion: `${g}/${v.version}`, version: v.version }));
        return { name: g, versions: gv, preferredVersion: gv[0] };
      }),
  };
}

/** GET /api/v1 or /apis/<group>/<version>: an APIResourceList, or undefined when not served. */
export function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of rs) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources)
      resources.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== r.group || s.version !== r.version ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

const openApiKey = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

/** GET /openapi/v3. */
export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const g of groupVersions()) paths[openApiKey(g.group, g.version)] = { serverRelativeURL: `/openapi/v3/${openApiKey(g.group, g.version)}` };
  return { paths };
}

const FIELD_VALIDATION_PARAM = {
  name: 'fieldValidation',
  in: 'query',
  description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  schema: { type: 'string', uniqueItems: true },
};

/** GET /openapi/v3/api/v1 etc.: one PATCH operation per kind, carrying `fieldValidation`. */
export function openApiGroupVersion(key: string): Record<string, unknown> | undefined {
  const gv = groupVersions().find((g) => openApiKey(g.group, g.version) === key);
  if (!gv) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.group === gv.group && x.version === gv.version)) {
    const base = `/${openApiKey(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
        parameters: [FIELD_VALIDATION_PARAM],
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths };
}
