/**
 * The three PATCH flavours kubectl and client libraries send: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902) and Kubernetes strategic merge patch.
 * @see https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 * @see https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
 */
import { KubeStatusError } from './errors.js';

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function patchFailed(message: string): KubeStatusError {
  return new KubeStatusError(422, 'Invalid', message);
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw patchFailed(`invalid JSON pointer ${JSON.stringify(p)}`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(doc: Json, tokens: string[], op: string): { parent: Obj | Json[]; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObj(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined || cur === null) throw patchFailed(`${op} operation does not apply: doc is missing path: "/${tokens.join('/')}"`);
  }
  if (!Array.isArray(cur) && !isObj(cur)) throw patchFailed(`${op} operation does not apply: doc is missing path: "/${tokens.join('/')}"`);
  return { parent: cur, key: tokens[tokens.length - 1] as string };
}

function getAt(doc: Json, tokens: string[]): Json {
  let cur: Json = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObj(cur)) cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    else return undefined;
  }
  return cur;
}

function arrayIndex(arr: Json[], key: string, allowEnd: boolean, op: string): number {
  if (key === '-' && allowEnd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw patchFailed(`${op} operation does not apply: invalid array index ${JSON.stringify(key)}`);
  const i = Number(key);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw patchFailed(`${op} operation does not apply: index out of bounds: ${i}`);
  return i;
}

function add(doc: Json, tokens: string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, 'add'), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: Json, tokens: string[], op = 'remove'): Json {
  const { parent, key } = resolveParent(doc, tokens, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, op), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) throw patchFailed(`${op} operation does not apply: doc is missing key: /${tokens.join('/')}`);
    delete parent[key];
  }
  return doc;
}

/** RFC 6902 over a copy of `doc`. */
export function applyJsonPatch(docIn: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new KubeStatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(docIn);
  for (const raw of ops) {
    if (!isObj(raw)) throw patchFailed('invalid JSON patch operation');
    const op = String(raw.op);
    const path = parsePointer(String(raw.path ?? ''));
    switch (op) {
      case 'add':
        doc = add(doc, path, structuredClone(raw.value));
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace': {
        if (getAt(doc, path) === undefined) throw patchFailed(`replace operation does not apply: doc is missing key: /${path.join('/')}`);
        if (path.length === 0) doc = structuredClone(raw.value);
        else {
          const { parent, key } = resolveParent(doc, path, 'replace');
          if (Array.isArray(parent)) parent[arrayIndex(parent, key, false, 'replace')] = structuredClone(raw.value);
          else parent[key] = structuredClone(raw.value);
        }
        break;
      }
      case 'move':
      case 'copy': {
        const from = parsePointer(String(raw.from ?? ''));
        const value = getAt(doc, from);
        if (value === undefined) throw patchFailed(`${op} operation does not apply: doc is missing from path: /${from.join('/')}`);
        if (op === 'move') doc = remove(doc, from, 'move');
        doc = add(doc, path, structuredClone(value));
        break;
      }
      case 'test':
        if (JSON.stringify(sortKeys(getAt(doc, path))) !== JSON.stringify(sortKeys(raw.value))) throw patchFailed('testing value /' + path.join('/') + ' failed: test failed');
        break;
      default:
        throw patchFailed(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/**
 * Merge keys of the lists that merge instead of being replaced (the `patchMergeKey` tags of
 * k8s.io/api). Field names are unique enough across the kinds served here to key by name alone.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  secrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  webhooks: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  podIPs: 'ip',
  hostIPs: 'ip',
};
/** Primitive lists with `patchStrategy:"merge"`: set union. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** Strategic merge patch of `patch` onto `original` (which is not modified). */
export function applyStrategicMergePatch(original: Json, patch: Json): Json {
  return smpMap(isObj(original) ? original : {}, isObj(patch) ? patch : {});
}

function smpMap(original: Obj, patch: Obj): Obj {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _d, ...rest } = patch;
    return stripDirectives(rest) as Obj;
  }
  if (directive === 'delete') return {};
  let out: Obj = { ...original };
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  const orders: Record<string, Json[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      if (Array.isArray(v)) orders[k.slice(SET_ORDER.length)] = v;
      continue;
    }
    if (k.startsWith(DELETE_FROM)) {
      const field = k.slice(DELETE_FROM.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as Json[]).filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v)) out[k] = smpList(k, Array.isArray(cur) ? cur : [], v);
    else if (isObj(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = isObj(cur) ? smpMap(cur, v) : (stripDirectives(v) as Obj);
    } else out[k] = v;
  }
  for (const [field, order] of Object.entries(orders)) if (Array.isArray(out[field])) out[field] = applyOrder(field, out[field] as Json[], order);
  return out;
}

function smpList(field: string, original: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const out = [...original];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return out;
  }
  if (!key || !patch.every(isObj)) {
    // A list with `$patch: replace` as an element, or a list without merge semantics: replace.
    return patch.filter((x) => !(isObj(x) && x.$patch === 'replace')).map(stripDirectives);
  }
  if (patch.some((x) => isObj(x) && x.$patch === 'replace')) return patch.filter((x) => !(isObj(x) && x.$patch)).map(stripDirectives);
  const out = original.map((x) => x);
  for (const item of patch as Obj[]) {
    const idx = out.findIndex((x) => isObj(x) && sameKey(x[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = smpMap(out[idx] as Obj, item);
    else out.push(stripDirectives(item));
  }
  return out;
}

const sameKey = (a: Json, b: Json): boolean => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/**
 * `$setElementOrder`: the listed elements take the listed order; elements the patch does not
 * know (added by the server, e.g. by a webhook) keep their relative place and survive.
 */
function applyOrder(field: string, list: Json[], order: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  const pos = (x: Json): number =>
    order.findIndex((o) => (key && isObj(o) && isObj(x) ? sameKey(x[key], o[key]) : JSON.stringify(o) === JSON.stringify(x)));
  const listed = list.filter((x) => pos(x) >= 0).sort((a, b) => pos(a) - pos(b));
  let i = 0;
  return list.map((x) => (pos(x) >= 0 ? (listed[i++] as Json) : x));
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}
