/**
 * Kubernetes API errors as `metav1.Status`, with kube-apiserver's reasons and message wording
 * (k8s.io/apimachinery/pkg/api/errors). kubectl prints `Error from server (<reason>): <message>`.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
 */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Forbidden'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Expired'
  | 'Gone'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'RequestEntityTooLarge';

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

/** A failure the client caused or must see; rendered as a `Status` body with `code`. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'KubeStatusError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `<plural>[.<group>]`, the qualified resource name kube-apiserver puts in messages. */
export interface QualifiedResource {
  readonly group: string;
  readonly plural: string;
}

function qualified(r: QualifiedResource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function notFound(r: QualifiedResource, name: string): KubeStatusError {
  return new KubeStatusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.plural });
}

export function alreadyExists(r: QualifiedResource, name: string): KubeStatusError {
  return new KubeStatusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.plural });
}

export function conflict(r: QualifiedResource, name: string, why: string): KubeStatusError {
  return new KubeStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name,
    group: r.group || undefined,
    kind: r.plural,
  });
}

export const MODIFIED_CONFLICT = 'the object has been modified; please apply your changes to the latest version and try again';

/** One `field.Error`: `<field>: <type>[: <detail>]`, as field.ErrorList.ToAggregate prints it. */
export interface FieldError {
  readonly field: string;
  readonly type: 'Required value' | 'Invalid value' | 'Unsupported value' | 'Duplicate value' | 'Not found' | 'Forbidden' | 'Too long';
  readonly value?: unknown;
  readonly detail?: string;
}

/** Go's `%#v`-ish rendering kube uses for values in field errors: strings quoted, numbers bare. */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

export function formatFieldError(e: FieldError): string {
  let s = `${e.field}: ${e.type}`;
  if (e.type === 'Invalid value' || e.type === 'Unsupported value' || e.type === 'Duplicate value' || e.type === 'Not found') {
    s += `: ${renderValue(e.value)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

const CAUSE_TYPE: Record<FieldError['type'], string> = {
  'Required value': 'FieldValueRequired',
  'Invalid value': 'FieldValueInvalid',
  'Unsupported value': 'FieldValueNotSupported',
  'Duplicate value': 'FieldValueDuplicate',
  'Not found': 'FieldValueNotFound',
  Forbidden: 'FieldValueForbidden',
  'Too long': 'FieldValueTooLong',
};

/** 422 `<Kind> "<name>" is invalid: …` (one error) or `…: [e1, e2]` (several). */
export function invalid(kind: string, group: string, name: string, errors: readonly FieldError[]): KubeStatusError {
  const parts = errors.map(formatFieldError);
  const body = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const gk = group ? `${kind}.${group}` : kind;
  return new KubeStatusError(422, 'Invalid', `${gk} "${name}" is invalid: ${body}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: CAUSE_TYPE[e.type], message: formatFieldError(e).slice(e.field.length + 2), field: e.field })),
  });
}

export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(400, 'BadRequest', message);
}

export function forbidden(r: QualifiedResource, name: string, why: string): KubeStatusError {
  return new KubeStatusError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, { name, group: r.group || undefined, kind: r.plural });
}

export function methodNotAllowed(): KubeStatusError {
  return new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function resourceNotFound(): KubeStatusError {
  return new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
}

export function unsupportedMediaType(contentType: string): KubeStatusError {
  return new KubeStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${JSON.stringify(contentType)})`);
}
