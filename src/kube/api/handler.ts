/**
 * The REST surface: routes `/api/v1/...` and `/apis/<group>/<version>/...` to the service verbs,
 * negotiates Table vs object responses and renders failures as `Status`.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ServiceAccountTokenIssuer } from '../contracts.js';
import { discoveryRoot, AGGREGATED_CONTENT_TYPE, openApiGroupVersion, openApiRoot, resourceList, VERSION_INFO, wantsAggregated } from './discovery.js';
import { badRequest, invalid, KubeStatusError, methodNotAllowed, resourceNotFound } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { parseBody, readBody, sendJson } from './http-io.js';
import { apiVersionOf, findResource, groupVersions, NAMESPACES, SELF_SUBJECT_ACCESS_REVIEWS, type ResourceDef } from './resources.js';
import { checkFieldSelector, parseFieldSelector, parseLabelSelector, type Selection } from './selectors.js';
import type { FieldValidation, KubeService, PatchType, WriteOptions } from './service.js';
import { selectorString, toTable, type IncludeObject } from './tables.js';
import { createToken } from './token-request.js';
import { serveWatch } from './watch.js';
import type { WatchHub } from './watch-hub.js';

export interface Route {
  readonly resource: ResourceDef;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** Resolves the resource part of a path (after `/api/v1` or `/apis/<g>/<v>`). */
export function resolveRoute(group: string, version: string, segs: readonly string[]): Route | undefined {
  let namespace: string | undefined;
  let rest = segs;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    const r = findResource(group, version, segs[2] as string);
    if (r?.namespaced) {
      namespace = segs[1];
      rest = segs.slice(2);
    }
  }
  const resource = findResource(group, version, rest[0] ?? '');
  if (!resource || rest.length > 3) return undefined;
  if (rest.length === 3 && !resource.subresources.some((s) => s.name === rest[2])) return undefined;
  return { resource, namespace, name: rest[1], subresource: rest[2] };
}

function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function patchType(ct: string | undefined): PatchType {
  const mt = (ct ?? '').split(';')[0]?.trim();
  if (mt === 'application/json-patch+json') return 'json';
  if (mt === 'application/merge-patch+json') return 'merge';
  if (mt === 'application/strategic-merge-patch+json') return 'strategic';
  throw new KubeStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(mt)})`,
  );
}

function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}. Supported values: Ignore, Warn, Strict`);
}

export interface HandlerDeps {
  readonly svc: KubeService;
  readonly hub: WatchHub;
  readonly tokens: ServiceAccountTokenIssuer;
  readonly now: () => Date;
  readonly closing: Set<() => void>;
}

export async function route(d: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const segs = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const method = req.method ?? 'GET';
  const accept = req.headers.accept;

  if (path === '/version') return sendJson(res, 200, VERSION_INFO);
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (path === '/api' || path === '/apis') {
    const aggregated = wantsAggregated(accept);
    const body = discoveryRoot(path, aggregated, req.headers.host ?? '127.0.0.1');
    return sendJson(res, 200, body, aggregated ? { 'Content-Type': AGGREGATED_CONTENT_TYPE } : {});
  }
  if (segs[0] === 'openapi') {
    if (segs[1] === 'v3' && segs.length === 2) return sendJson(res, 200, openApiRoot());
    if (segs[1] === 'v3') {
      const doc = openApiGroupVersion(segs.slice(2).join('/'));
      if (doc) return sendJson(res, 200, doc);
    }
    throw resourceNotFound();
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs[1] === 'v1') {
    group = '';
    version = 'v1';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 2) {
    group = segs[1] as string;
    if (segs.length === 2) {
      const vs = groupVersions().filter((g) => g.group === group);
      if (!vs.length) throw resourceNotFound();
      const versions = vs.map((v) => ({ groupVersion: `${group}/${v.version}`, version: v.version }));
      return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] });
    }
    version = segs[2] as string;
    rest = segs.slice(3);
  } else throw resourceNotFound();
  if (rest.length === 0) {
    const list = resourceList(group, version);
    if (!list) throw resourceNotFound();
    return sendJson(res, 200, list);
  }
  const rt = resolveRoute(group, version, rest);
  if (!rt) throw resourceNotFound();
  return serveResource(d, req, res, rt, url.searchParams, method, accept);
}

async function serveResource(d: HandlerDeps, req: IncomingMessage, res: ServerResponse, rt: Route, q: URLSearchParams, method: string, accept: string | undefined): Promise<void> {
  const { svc } = d;
  const r = rt.resource;
  const ns = rt.namespace;
  if (r.namespaced && rt.name !== undefined && ns === undefined) throw resourceNotFound();
  const dryRun = q.getAll('dryRun').includes('All');
  const table = wantsTable(accept);
  const include = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
  const warnings: string[] = [];
  const warningHeaders = (): Record<string, string | string[]> => (warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {});

  const body = async (): Promise<{ value: unknown; opts: WriteOptions }> => {
    const { value, fromProtobuf } = parseBody(await readBody(req), req.headers['content-type']);
    return { value, opts: { dryRun, fieldValidation: fieldValidation(q), warnings, fromProtobuf } };
  };
  const one = (o: KubeObject, code = 200): void =>
    table && method === 'GET' ? sendJson(res, code, toTable(r, [o], d.now(), { resourceVersion: o.metadata?.resourceVersion, include })) : sendJson(res, code, o, warningHeaders());

  // Collection
  if (rt.name === undefined) {
    const selection: Selection = { labels: parseLabelSelector(q.get('labelSelector')), fields: parseFieldSelector(q.get('fieldSelector')) };
    checkFieldSelector(r, selection.fields);
    if (method === 'GET') {
      if (!r.verbs.includes('list')) throw methodNotAllowed();
      if (q.get('watch') === 'true' || q.get('watch') === '1') {
        const t = q.get('timeoutSeconds');
        return serveWatch(req, res, {
          resource: r,
          namespace: ns,
          selection,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          timeoutSeconds: t ? Number(t) : undefined,
          bookmarks: q.get('allowWatchBookmarks') === 'true',
          table: table ? { include } : undefined,
        }, svc.repo, d.hub, d.now, d.closing);
      }
      const { items, resourceVersion } = await svc.list(r, ns, selection);
      if (table) return sendJson(res, 200, toTable(r, items, d.now(), { resourceVersion: String(resourceVersion), include }));
      return sendJson(res, 200, {
        kind: `${r.kind}List`,
        apiVersion: apiVersionOf(r),
        metadata: { resourceVersion: String(resourceVersion) },
        items,
      });
    }
    if (r.namespaced && ns === undefined) throw methodNotAllowed();
    if (r === SELF_SUBJECT_ACCESS_REVIEWS) {
      if (method !== 'POST') throw methodNotAllowed();
      const { value } = await body();
      const spec = (value as KubeObject | undefined)?.spec ?? {};
      return sendJson(res, 201, { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { creationTimestamp: null }, spec, status: { allowed: true, reason: 'irsa-local serves every request without authorization' } });
    }
    if (method === 'POST') {
      const { value, opts } = await body();
      const created = await svc.create(r, ns, value as KubeObject, opts);
      return one(created, 201);
    }
    if (method === 'DELETE' && r.verbs.includes('deletecollection')) {
      const { items } = await svc.list(r, ns, selection);
      const deleted: KubeObject[] = [];
      for (const o of items) deleted.push(await svc.delete(r, ns, o.metadata?.name ?? '', { dryRun }));
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: {}, items: deleted });
    }
    throw methodNotAllowed();
  }

  const name = rt.name;
  const sub = rt.subresource;
  if (sub === 'token') {
    if (method !== 'POST') throw methodNotAllowed();
    const { value, opts } = await body();
    return sendJson(res, 201, await createToken(svc, d.tokens, ns ?? 'default', name, value as KubeObject, opts));
  }
  if (sub === 'exec') throw badRequest('Upgrade request required');
  if (sub === 'scale') return serveScale(d, req, res, r, ns, name, q, method);
  if (sub !== undefined && sub !== 'status') throw resourceNotFound();

  switch (method) {
    case 'GET':
      return one(await svc.get(r, ns, name));
    case 'PUT': {
      const { value, opts } = await body();
      return one(await svc.update(r, ns, name, value as KubeObject, opts, sub));
    }
    case 'PATCH': {
      const type = patchType(req.headers['content-type']);
      const { value, opts } = await body();
      if (type !== 'json' && (typeof value !== 'object' || value === null || Array.isArray(value))) throw badRequest('the patch must be a JSON object');
      return one(await svc.patch(r, ns, name, type, value, opts, sub));
    }
    case 'DELETE': {
      if (sub) throw methodNotAllowed();
      const { value } = await body();
      const delOpts = (value ?? {}) as { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] };
      const propagation = q.get('propagationPolicy') ?? delOpts.propagationPolicy;
      const deleted = await svc.delete(r, ns, name, {
        dryRun: dryRun || (Array.isArray(delOpts.dryRun) && delOpts.dryRun.includes('All')),
        preconditions: delOpts.preconditions,
        orphan: propagation === 'Orphan' || (r !== NAMESPACES && q.get('orphanDependents') === 'true'),
      });
      return sendJson(res, 200, deleted);
    }
    default:
      throw methodNotAllowed();
  }
}

/** The `scale` subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets: `kubectl scale`. */
async function serveScale(d: HandlerDeps, req: IncomingMessage, res: ServerResponse, r: ResourceDef, ns: string | undefined, name: string, q: URLSearchParams, method: string): Promise<void> {
  const toScale = (o: KubeObject): KubeObject => {
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    const m = o.metadata ?? {};
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: Number(spec.replicas ?? 1) },
      status: { replicas: Number(((o.status ?? {}) as Record<string, unknown>).replicas ?? 0), selector: selectorString(spec.selector) },
    };
  };
  if (method === 'GET') return sendJson(res, 200, toScale(await d.svc.get(r, ns, name)));
  if (method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed();
  const type = method === 'PATCH' ? patchType(req.headers['content-type']) : undefined;
  const { value } = parseBody(await readBody(req), req.headers['content-type']);
  const dryRun = q.getAll('dryRun').includes('All');
  const current = toScale(await d.svc.get(r, ns, name));
  const next = (type === undefined ? value : type === 'json' ? applyJsonPatch(current, value) : type === 'merge' ? applyMergePatch(current, value) : applyStrategicMergePatch(current, value)) as KubeObject;
  const replicas = (next?.spec as Record<string, unknown> | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw invalid('Scale', 'autoscaling', name, [{ field: 'spec.replicas', type: 'Invalid value', value: replicas, detail: 'must be greater than or equal to 0' }]);
  const rv = next.metadata?.resourceVersion;
  const updated = await d.svc.patch(r, ns, name, 'merge', { metadata: rv && type === undefined ? { resourceVersion: rv } : {}, spec: { replicas } }, { dryRun });
  return sendJson(res, 200, toScale(updated));
}
