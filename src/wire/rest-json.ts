import { AwsError } from '../aws/error.js';
import { readStructure, readValue, serializationError, throwIfProblems, writeValue, type Decoded, type Problem } from './json-codec.js';
import { shapeOf, type ServiceModel, type Shape, type ShapeRef } from './model.js';

/**
 * The AWS REST-JSON protocol (Bedrock, Bedrock Runtime, EKS), driven by the service model: a
 * member travels in the URI path (`uri`), the query string, a header, or the JSON body; when the
 * input names a `payload` member the whole body is that member (raw bytes for a blob, as
 * InvokeModel's `body`). Body values are read and written exactly as in the JSON protocol
 * (json-codec.ts: epoch-second timestamps, base64 blobs, `SerializationException` for a value of
 * the wrong type); this module adds the HTTP bindings. Every model constraint is checked and all
 * failures are reported in one `ValidationException` ("1 validation error detected: Value 'x' at
 * 'modelId' failed to satisfy constraint: Member must satisfy regular expression pattern: …").
 * https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html
 */
export interface RestJsonRequest {
  /** URI labels, already percent-decoded. */
  readonly labels: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Node's lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
}

export interface RestJsonResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Reads and validates an operation's input; throws SerializationException or one ValidationException listing every problem. */
export function decodeRestJsonInput(model: ServiceModel, operation: string, req: RestJsonRequest): Decoded {
  const op = model.operations[operation];
  if (!op?.input) return {};
  const shape = shapeOf(model, op.input);
  const problems: Problem[] = [];
  const out: Decoded = {};
  const bodyMembers: Record<string, ShapeRef> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location === undefined && shape.payload !== name) {
      bodyMembers[name] = ref;
      continue;
    }
    const v = ref.location === undefined ? payload(model, ref, req.body, name, problems) : located(model, ref, req, name, problems);
    if (v === undefined) {
      if (shape.required?.includes(name)) problems.push({ path: name, text: `Value null at '${name}' failed to satisfy constraint: Member must not be null` });
      continue;
    }
    out[name] = v;
  }
  if (Object.keys(bodyMembers).length) {
    const bodyShape: Shape = { type: 'structure', members: bodyMembers, required: (shape.required ?? []).filter((r) => r in bodyMembers) };
    Object.assign(out, readStructure(model, bodyShape, parseJsonObject(req.body), '', problems));
  }
  throwIfProblems(problems);
  return out;
}

function parseJsonObject(body: Uint8Array): Record<string, unknown> {
  if (body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw serializationError();
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw serializationError();
  return v as Record<string, unknown>;
}

/** The payload member: the body's bytes (blob), its text (string), or a JSON structure. */
function payload(model: ServiceModel, ref: ShapeRef, body: Uint8Array, path: string, problems: Problem[]): unknown {
  const shape = shapeOf(model, ref.shape);
  if (shape.type === 'blob') {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (shape.max !== undefined && bytes.length > shape.max) problems.push({ path, text: `Value at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}` });
    return bytes;
  }
  if (shape.type === 'string') return readValue(model, ref, Buffer.from(body).toString('utf8'), path, problems);
  return body.length ? readValue(model, ref, parseJsonObject(body), path, problems) : undefined;
}

/** A member bound to a URI label, the query string or a header, converted from text, then checked like any value. */
function located(model: ServiceModel, ref: ShapeRef, req: RestJsonRequest, path: string, problems: Problem[]): unknown {
  const wire = ref.locationName ?? path;
  const shape = shapeOf(model, ref.shape);
  let text: string | undefined;
  switch (ref.location) {
    case 'uri':
      text = req.labels[wire];
      break;
    case 'querystring': {
      if (shape.type === 'list') {
        const all = req.query.getAll(wire);
        return all.length ? readValue(model, ref, all.map((x) => fromText(shapeOf(model, (shape.member as ShapeRef).shape), x)), path, problems) : undefined;
      }
      text = req.query.get(wire) ?? undefined;
      break;
    }
    case 'header': {
      const h = req.headers[wire.toLowerCase()];
      text = Array.isArray(h) ? h.join(',') : h;
      break;
    }
    default:
      return undefined;
  }
  return text === undefined ? undefined : readValue(model, ref, fromText(shape, text), path, problems);
}

/** Text from a label, query parameter or header as the JSON value the shape reads. */
function fromText(shape: Shape, text: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw serializationError();
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw serializationError();
      return text === 'true';
    case 'timestamp': {
      const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
      if (Number.isNaN(ms)) throw serializationError();
      return ms / 1000;
    }
    default:
      return text;
  }
}

// ---- responses ------------------------------------------------------------------------------

/**
 * The success response of `operation`: header members as headers, the payload member as the
 * whole body (raw bytes for a blob), otherwise the other members as a JSON object written as
 * the JSON protocol writes them (members the model does not name are left out).
 */
export function encodeRestJsonOutput(model: ServiceModel, operation: string, output: Decoded): RestJsonResponse {
  const op = model.operations[operation];
  if (!op) throw new TypeError(`no operation ${operation}`);
  const status = op.http.responseCode ?? 200;
  if (!op.output) return { status, headers: {}, body: Buffer.alloc(0) };
  const shape = shapeOf(model, op.output);
  const headers: Record<string, string> = {};
  const json: Record<string, unknown> = {};
  let body: Buffer | undefined;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = output[name];
    if (v === undefined || v === null) continue;
    if (ref.location === 'header') headers[(ref.locationName ?? name).toLowerCase()] = v instanceof Date ? v.toUTCString() : String(v);
    else if (ref.location !== undefined) continue;
    else if (shape.payload === name) {
      const t = shapeOf(model, ref.shape).type;
      body = t === 'blob' || t === 'string' ? Buffer.from(v as Uint8Array | string) : Buffer.from(JSON.stringify(writeValue(model, ref, v)));
    } else json[ref.locationName ?? name] = writeValue(model, ref, v);
  }
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(json));
    headers['content-type'] ??= 'application/json';
  }
  return { status, headers, body };
}

/** REST-JSON's error form: the code in `x-amzn-ErrorType`, `{"message": …}` plus any modelled members in the body. */
export function encodeRestJsonError(e: AwsError, requestId: string, members: Record<string, unknown> = {}): RestJsonResponse {
  return {
    status: e.httpStatus,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code, 'x-amzn-requestid': requestId },
    body: Buffer.from(JSON.stringify({ message: e.message, ...members })),
  };
}
