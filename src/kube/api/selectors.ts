/**
 * Label and field selectors, evaluated by the server as kube-apiserver does (kubectl never
 * filters client-side: `describe` relies on the event field selector).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/
 */
import type { KubeObject } from '../contracts.js';
import { badRequest } from './errors.js';
import type { ResourceDef } from './resources.js';

export type Requirement =
  | { readonly op: 'exists' | '!exists'; readonly key: string }
  | { readonly op: '=' | '!='; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] };

/** Splits on commas outside parentheses, honouring `\,` escapes. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

const unescape = (v: string): string => v.replace(/\\(.)/g, '$1');

export function parseLabelSelector(s: string | null | undefined): Requirement[] {
  if (!s) return [];
  return splitTerms(s).map((term) => {
    let m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (m) {
      const values = (m[3] as string).split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { op: m[2] as 'in' | 'notin', key: m[1] as string, values };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) return { op: m[2] === '!=' ? '!=' : '=', key: m[1] as string, value: (m[3] as string).trim() };
    m = /^!\s*([^=!\s]+)$/.exec(term);
    if (m) return { op: '!exists', key: m[1] as string };
    if (/^[^=!\s()]+$/.test(term)) return { op: 'exists', key: term };
    throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

export function parseFieldSelector(s: string | null | undefined): Requirement[] {
  if (!s) return [];
  return splitTerms(s).map((term) => {
    const m = /^((?:[^=!\\]|\\.)+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    return { op: m[2] === '!=' ? '!=' : '=', key: unescape(m[1] as string), value: unescape(m[3] as string) };
  });
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'exists':
      return value !== undefined;
    case '!exists':
      return value === undefined;
    case '=':
      return value === req.value;
    case '!=':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
  }
}

export function labelsMatch(reqs: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  return reqs.every((r) => matches(r, labels?.[r.key]));
}

type Getter = (o: KubeObject) => unknown;
const path =
  (...keys: string[]): Getter =>
  (o) => {
    let v: unknown = o;
    for (const k of keys) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return v;
  };

const COMMON: Record<string, Getter> = { 'metadata.name': path('metadata', 'name'), 'metadata.namespace': path('metadata', 'namespace') };

/** Field labels each kind supports (pkg/registry/<group>/<kind>/strategy.go *ToSelectableFields). */
const FIELDS: Record<string, Record<string, Getter>> = {
  Pod: {
    'spec.nodeName': path('spec', 'nodeName'),
    'spec.restartPolicy': path('spec', 'restartPolicy'),
    'spec.schedulerName': path('spec', 'schedulerName'),
    'spec.serviceAccountName': path('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) => String(path('spec', 'hostNetwork')(o) === true),
    'status.phase': path('status', 'phase'),
    'status.podIP': path('status', 'podIP'),
    'status.nominatedNodeName': path('status', 'nominatedNodeName'),
  },
  Event: {
    'involvedObject.kind': path('involvedObject', 'kind'),
    'involvedObject.namespace': path('involvedObject', 'namespace'),
    'involvedObject.name': path('involvedObject', 'name'),
    'involvedObject.uid': path('involvedObject', 'uid'),
    'involvedObject.apiVersion': path('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': path('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': path('involvedObject', 'fieldPath'),
    reason: path('reason'),
    reportingComponent: path('reportingComponent'),
    source: path('source', 'component'),
    type: path('type'),
  },
  Secret: { type: path('type') },
  Namespace: { 'status.phase': path('status', 'phase') },
  ReplicaSet: { 'status.replicas': (o) => String(path('status', 'replicas')(o) ?? 0) },
  Node: { 'spec.unschedulable': (o) => String(path('spec', 'unschedulable')(o) === true) },
};

/** Rejects field labels the kind does not support, as the apiserver does (400). */
export function checkFieldSelector(r: ResourceDef, reqs: readonly Requirement[]): void {
  const known = { ...COMMON, ...FIELDS[r.kind] };
  for (const q of reqs) if (!(q.key in known)) throw badRequest(`field label not supported: ${q.key}`);
}

export function fieldsMatch(r: ResourceDef, reqs: readonly Requirement[], o: KubeObject): boolean {
  const known = { ...COMMON, ...FIELDS[r.kind] };
  return reqs.every((q) => {
    const get = known[q.key];
    const v = get ? get(o) : undefined;
    return matches(q, v === undefined || v === null ? '' : String(v));
  });
}

export interface Selection {
  readonly labels: readonly Requirement[];
  readonly fields: readonly Requirement[];
}

export function selectionMatches(r: ResourceDef, sel: Selection, o: KubeObject): boolean {
  return labelsMatch(sel.labels, o.metadata?.labels) && fieldsMatch(r, sel.fields, o);
}
