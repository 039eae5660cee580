/**
 * Server-side validation with kube-apiserver's field paths and messages (pkg/apis/core/validation,
 * apimachinery validation). Failures become 422 `<Kind> "<name>" is invalid: …`.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
import type { KubeObject } from '../contracts.js';
import type { FieldError } from './errors.js';
import type { ResourceDef } from './resources.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

export function dnsLabelErrors(field: string, v: string): FieldError[] {
  const out: FieldError[] = [];
  if (v.length > 63) out.push({ field, type: 'Invalid value', value: v, detail: 'must be no more than 63 characters' });
  if (!DNS1123_LABEL.test(v)) out.push({ field, type: 'Invalid value', value: v, detail: DNS1123_LABEL_MSG });
  return out;
}

export function dnsSubdomainErrors(field: string, v: string): FieldError[] {
  const out: FieldError[] = [];
  if (v.length > 253) out.push({ field, type: 'Invalid value', value: v, detail: 'must be no more than 253 characters' });
  if (!DNS1123_SUBDOMAIN.test(v)) out.push({ field, type: 'Invalid value', value: v, detail: DNS1123_SUBDOMAIN_MSG });
  return out;
}

function qualifiedNameErrors(field: string, key: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const out: FieldError[] = [];
  if (slash >= 0 && (prefix === '' || !DNS1123_SUBDOMAIN.test(prefix)))
    out.push({ field, type: 'Invalid value', value: key, detail: 'prefix part ' + DNS1123_SUBDOMAIN_MSG });
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    out.push({
      field,
      type: 'Invalid value',
      value: key,
      detail:
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    });
  return out;
}

function labelErrors(field: string, labels: unknown): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [{ field, type: 'Invalid value', value: labels, detail: 'must be a map of strings' }];
  const out: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    out.push(...qualifiedNameErrors(field, k));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      out.push({
        field,
        type: 'Invalid value',
        value: v,
        detail:
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      });
  }
  return out;
}

function annotationErrors(field: string, annotations: unknown): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations)) return [{ field, type: 'Invalid value', value: annotations, detail: 'must be a map of strings' }];
  const out: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    out.push(...qualifiedNameErrors(field, k));
    if (typeof v !== 'string') out.push({ field: `${field}.${k}`, type: 'Invalid value', value: v, detail: 'must be a string' });
    total += k.length + String(v).length;
  }
  if (total > 256 * 1024) out.push({ field, type: 'Too long', detail: 'must have at most 262144 bytes' });
  return out;
}

/** ObjectMeta rules shared by every kind (name format per kind, labels, annotations). */
export function validateMeta(r: ResourceDef, o: KubeObject): FieldError[] {
  const m = o.metadata ?? {};
  const out: FieldError[] = [];
  const name = m.name;
  if (!name) out.push({ field: 'metadata.name', type: 'Required value', detail: 'name or generateName is required' });
  else out.push(...(r.kind === 'Namespace' || r.kind === 'Node' ? dnsLabelErrors('metadata.name', name) : dnsSubdomainErrors('metadata.name', name)));
  if (r.namespaced && !m.namespace) out.push({ field: 'metadata.namespace', type: 'Required value' });
  out.push(...labelErrors('metadata.labels', m.labels));
  out.push(...annotationErrors('metadata.annotations', m.annotations));
  return out;
}

export function validateEnvName(field: string, name: unknown): FieldError[] {
  if (typeof name !== 'string' || name === '') return [{ field, type: 'Required value' }];
  if (!ENV_NAME.test(name))
    return [
      {
        field,
        type: 'Invalid value',
        value: name,
        detail: "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
      },
    ];
  return [];
}

/** Keys of ConfigMap/Secret data. */
export function validateDataKeys(field: string, data: unknown): FieldError[] {
  if (data === undefined || data === null) return [];
  const out: FieldError[] = [];
  for (const k of Object.keys(data as object)) {
    if (k.length > 253 || !CONFIG_KEY.test(k))
      out.push({
        field,
        type: 'Invalid value',
        value: k,
        detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      });
  }
  return out;
}

export { labelErrors };
