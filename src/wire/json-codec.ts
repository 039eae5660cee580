import { AwsError } from '../aws/error.js';
import { constraintFailures, describeConstraints } from './constraints.js';
import { shapeOf, type ServiceModel, type Shape, type ShapeRef } from './model.js';

/**
 * The AWS JSON protocol (1.0/1.1: Secrets Manager, …), driven by the service model.
 * Requests: one JSON object whose members are named as in the model; members the model does not
 * know are ignored, `null` is the same as absent. Timestamps are epoch seconds (numbers, possibly
 * with a fraction), blobs base64. A value of the wrong JSON type is a `SerializationException`;
 * every model constraint (required, length, range, pattern, enum) is checked and all failures are
 * reported in one `ValidationException` ("2 validation errors detected: Value at 'secretString'
 * failed to satisfy constraint: …"), with sensitive values left out as AWS leaves them out.
 * Responses: the output shape's members in model order; errors `{"__type": code, "message": …}`.
 *
 * The value readers and writers are protocol-neutral (REST-JSON bodies use the same encoding).
 */

/** One failed constraint: the member path AWS prints, and the whole sentence. */
export interface Problem {
  readonly path: string;
  readonly text: string;
}

/** Decoded values: strings, numbers, booleans, `Date` (timestamps), `Buffer` (blobs), arrays, records. */
export type Decoded = Record<string, unknown>;

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A JSON value of the wrong type for its member (AWS answers `SerializationException`). */
export function serializationError(): AwsError {
  return new AwsError('SerializationException', '', 400);
}

/** Parses a request body and decodes the operation's input; throws SerializationException or ValidationException. */
export function decodeJsonInput(model: ServiceModel, operation: string, body: Uint8Array | string): Decoded {
  const op = model.operations[operation];
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch {
      throw serializationError();
    }
  }
  if (!isObject(raw)) throw serializationError();
  if (!op?.input) return {};
  const problems: Problem[] = [];
  const out = readStructure(model, shapeOf(model, op.input), raw, '', problems);
  throwIfProblems(problems);
  return out;
}

/** Reads a structure's members from a JSON object (unknown members ignored), recording problems. */
export function readStructure(model: ServiceModel, shape: Shape, raw: Record<string, unknown>, path: string, problems: Problem[]): Decoded {
  const out: Decoded = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
    const v = raw[ref.locationName ?? name];
    if (v === undefined || v === null) {
      if (shape.required?.includes(name)) problems.push({ path: memberPath, text: `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null` });
      continue;
    }
    out[name] = readValue(model, ref, v, memberPath, problems);
  }
  return out;
}

/** Decodes one value of a member and checks its constraints. */
export function readValue(model: ServiceModel, ref: ShapeRef, v: unknown, path: string, problems: Problem[]): unknown {
  const shape = shapeOf(model, ref.shape);
  let value: unknown;
  switch (shape.type) {
    case 'structure':
      if (!isObject(v)) throw serializationError();
      return readStructure(model, shape, v, path, problems);
    case 'list': {
      if (!Array.isArray(v)) throw serializationError();
      const member = shape.member as ShapeRef;
      const memberShape = shapeOf(model, member.shape);
      const scalarItems = memberShape.type === 'string';
      // Items of a list of strings are judged together (one sentence listing every constraint).
      const itemProblems: Problem[] = scalarItems ? [] : problems;
      const items = v.filter((x) => x !== null).map((x, i) => readValue(model, member, x, `${path}.${i + 1}.member`, itemProblems));
      if (scalarItems && items.some((x) => constraintFailures(memberShape, x).length > 0)) {
        const all = [...describeConstraints(memberShape), ...(memberShape.enum ? [`Member must satisfy enum value set: [${memberShape.enum.join(', ')}]`] : [])];
        problems.push({ path, text: `Value at '${path}' failed to satisfy constraint: Member must satisfy constraint: [${all.join(', ')}]` });
      }
      value = items;
      break;
    }
    case 'map': {
      if (!isObject(v)) throw serializationError();
      // No prototype: a client's "__proto__" key stays an ordinary key.
      const out = Object.create(null) as Decoded;
      for (const [k, x] of Object.entries(v)) {
        if (x === null) continue;
        readValue(model, shape.key as ShapeRef, k, `${path}.${k}.key`, problems);
        out[k] = readValue(model, shape.value as ShapeRef, x, `${path}.${k}.value`, problems);
      }
      for (const f of constraintFailures(shape, Object.keys(out))) problems.push({ path, text: `Value at '${path}' failed to satisfy constraint: ${f}` });
      return out;
    }
    default:
      value = scalar(shape, v);
  }
  const failures = shape.type === 'blob' ? blobFailures(shape, value as Buffer) : patternFirst(constraintFailures(shape, value));
  if (failures.length) {
    const shown = shape.sensitive || shape.type === 'blob' || Array.isArray(value) ? '' : ` '${String(value)}'`;
    for (const f of failures) problems.push({ path, text: `Value${shown} at '${path}' failed to satisfy constraint: ${f}` });
  }
  return value;
}

function scalar(shape: Shape, v: unknown): unknown {
  switch (shape.type) {
    case 'string':
      if (typeof v !== 'string') throw serializationError();
      return v;
    case 'integer':
    case 'long':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw serializationError();
      return v;
    case 'double':
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw serializationError();
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw serializationError();
      return v;
    case 'timestamp': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw serializationError();
      return new Date(Math.round(v * 1000));
    }
    case 'blob':
      if (typeof v !== 'string' || !BASE64.test(v)) throw serializationError();
      return Buffer.from(v, 'base64');
    default:
      throw serializationError();
  }
}

/** Standard base64 with padding, as the SDKs send blobs. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function blobFailures(shape: Shape, value: Buffer): string[] {
  const out: string[] = [];
  if (shape.max !== undefined && value.length > shape.max) out.push(`Member must have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined && value.length < shape.min) out.push(`Member must have length greater than or equal to ${shape.min}`);
  return out;
}

/** A pattern failure is reported before length failures of the same value, as AWS does. */
const patternFirst = (failures: string[]): string[] => [...failures.filter((f) => f.includes('regular expression')), ...failures.filter((f) => !f.includes('regular expression'))];

/** Throws one ValidationException listing every problem, ordered by member path. */
export function throwIfProblems(problems: readonly Problem[]): void {
  if (!problems.length) return;
  const sorted = problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.path < b.p.path ? -1 : a.p.path > b.p.path ? 1 : a.i - b.i));
  const texts = sorted.map(({ p }) => p.text);
  throw new AwsError('ValidationException', `${texts.length} validation error${texts.length === 1 ? '' : 's'} detected: ${texts.join('; ')}`, 400);
}

// ---- responses ------------------------------------------------------------------------------

/** The success body for `operation` (PascalCase members, as in the model): `{}` without output. */
export function encodeJsonOutput(model: ServiceModel, operation: string, output: Decoded | undefined): string {
  const op = model.operations[operation];
  if (!op) throw new TypeError(`no operation ${operation}`);
  if (!op.output || !output) return '{}';
  return JSON.stringify(writeStructure(model, shapeOf(model, op.output), output));
}

/** A structure as a JSON object: model members only, in model order, absent and null left out. */
export function writeStructure(model: ServiceModel, shape: Shape, value: Decoded): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    out[ref.locationName ?? name] = writeValue(model, ref, v);
  }
  return out;
}

export function writeValue(model: ServiceModel, ref: ShapeRef, v: unknown): unknown {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return writeStructure(model, shape, v as Decoded);
    case 'list':
      return (v as unknown[]).map((x) => writeValue(model, shape.member as ShapeRef, x));
    case 'map': {
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, x] of Object.entries(v as Decoded)) out[k] = writeValue(model, shape.value as ShapeRef, x);
      return out;
    }
    case 'timestamp':
      return (v instanceof Date ? v.getTime() : Number(v)) / 1000;
    case 'blob':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

/** The JSON protocol's error body: `__type` and `message` (left out when AWS sends none). */
export function encodeJsonError(err: AwsError): string {
  return JSON.stringify(err.message ? { __type: err.code, message: err.message } : { __type: err.code });
}

/** An error shape of the model as an AwsError (the JSON protocol's modelled errors are 400 unless the model says otherwise). */
export function modelledJsonError(model: ServiceModel, shapeName: string, message: string): AwsError {
  const e = shapeOf(model, shapeName).error ?? {};
  return new AwsError(e.code ?? shapeName, message, e.httpStatusCode ?? 400, e.senderFault ?? true);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
