import { AwsError } from '../aws/error.js';
import { constraintFailures, describeConstraints } from './constraints.js';
import { shapeOf, type ServiceModel, type Shape, type ShapeRef } from './model.js';
import { escapeXml, isoSeconds, rfc3986 } from './xml.js';
import { writeXmlMembers, type XmlStyle } from './xml-writer.js';

/**
 * The AWS query protocol (IAM, STS), driven by the service model.
 * Requests: form parameters, lists as `Name.member.N`, maps as `Name.entry.N.key/value`,
 * structures as `Name.Member`; every model constraint is checked and all failures are reported
 * in one `ValidationError`, as AWS does.
 * Responses: `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata><RequestId>…`, lists
 * as `<member>`, timestamps ISO 8601 without a fraction, and policy documents URL-encoded
 * (RFC 3986), as IAM returns them.
 */
export type Params = ReadonlyMap<string, string>;

export function formParams(form: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(form)) if (!map.has(k)) map.set(k, v);
  return map;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** One failed constraint: where (the member path AWS prints) and the whole sentence. */
interface Problem {
  readonly path: string;
  readonly text: string;
}

/**
 * Reads and validates an operation's input; throws one ValidationError listing every problem,
 * ordered by member path as IAM orders them ("3 validation errors detected: Value at
 * 'clientIDList' …; Value at 'thumbprintList' …; Value at 'url' …").
 */
export function decodeQueryInput(model: ServiceModel, operation: string, params: Params): Record<string, unknown> {
  const op = model.operations[operation];
  if (!op?.input) return {};
  const problems: Problem[] = [];
  const value = readStructure(model, shapeOf(model, op.input), params, '', '', problems) ?? {};
  if (problems.length) {
    const sorted = problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.path < b.p.path ? -1 : a.p.path > b.p.path ? 1 : a.i - b.i));
    const texts = sorted.map(({ p }) => p.text);
    throw new AwsError('ValidationError', `${texts.length} validation error${texts.length === 1 ? '' : 's'} detected: ${texts.join('; ')}`);
  }
  return value;
}

function readStructure(model: ServiceModel, shape: Shape, params: Params, prefix: string, path: string, problems: Problem[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const missing: Problem[] = [];
  const mine: Problem[] = [];
  let any = false;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const key = prefix + (ref.locationName ?? name);
    const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
    const v = readValue(model, ref, params, key, memberPath, mine);
    if (v === undefined) {
      if (shape.required?.includes(name)) missing.push({ path: memberPath, text: `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null` });
      continue;
    }
    any = true;
    out[name] = v;
  }
  // A nested structure that is entirely absent is not there at all (a list ends there).
  if (!any && prefix) return undefined;
  problems.push(...mine, ...missing);
  return out;
}

/** A pattern failure is reported before length failures of the same value, as AWS does. */
const patternFirst = (failures: string[]): string[] => [...failures.filter((f) => f.includes('regular expression')), ...failures.filter((f) => !f.includes('regular expression'))];

function readValue(model: ServiceModel, ref: ShapeRef, params: Params, key: string, path: string, problems: Problem[]): unknown {
  const shape = shapeOf(model, ref.shape);
  let v: unknown;
  switch (shape.type) {
    case 'structure':
      return readStructure(model, shape, params, `${key}.`, path, problems);
    case 'list': {
      const member = shape.member as ShapeRef;
      const memberShape = shapeOf(model, member.shape);
      const flat = shape.flattened || ref.flattened;
      const scalarItems = memberShape.type === 'string';
      // Items of a list of strings are judged together (below), not one by one.
      const itemProblems: Problem[] = scalarItems ? [] : problems;
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const itemKey = flat ? `${key}.${i}` : `${key}.${member.locationName ?? 'member'}.${i}`;
        const item = readValue(model, member, params, itemKey, `${path}.${i}.member`, itemProblems);
        if (item === undefined) break;
        items.push(item);
      }
      if (!items.length && !params.has(key)) return undefined;
      if (scalarItems && items.some((x) => constraintFailures(memberShape, x).length > 0)) {
        const all = [...describeConstraints(memberShape), ...(memberShape.enum ? [`Member must satisfy enum value set: [${memberShape.enum.join(', ')}]`] : [])];
        problems.push({ path, text: `Value at '${path}' failed to satisfy constraint: Member must satisfy constraint: [${all.join(', ')}]` });
      }
      v = items;
      break;
    }
    case 'map': {
      const entries: [unknown, unknown][] = [];
      for (let i = 1; ; i++) {
        const base = `${key}.entry.${i}.`;
        const k = readValue(model, shape.key as ShapeRef, params, base + (shape.key?.locationName ?? 'key'), `${path}.${i}.key`, problems);
        if (k === undefined) break;
        entries.push([k, readValue(model, shape.value as ShapeRef, params, base + (shape.value?.locationName ?? 'value'), `${path}.${i}.value`, problems)]);
      }
      if (!entries.length && !params.has(key)) return undefined;
      v = entries;
      for (const f of constraintFailures(shape, entries)) problems.push({ path, text: `Value at '${path}' failed to satisfy constraint: ${f}` });
      return Object.fromEntries(entries as [string, unknown][]);
    }
    default: {
      const raw = params.get(key);
      if (raw === undefined) return undefined;
      v = scalar(shape, raw, path, problems);
      if (v === undefined) return undefined;
    }
  }
  const failures = patternFirst(constraintFailures(shape, v));
  if (failures.length) {
    const shown = shape.sensitive || Array.isArray(v) ? '' : ` '${String(v)}'`;
    for (const f of failures) problems.push({ path, text: `Value${shown} at '${path}' failed to satisfy constraint: ${f}` });
  }
  return v;
}

function scalar(shape: Shape, raw: string, path: string, problems: Problem[]): unknown {
  switch (shape.type) {
    case 'string':
      return raw;
    case 'integer':
    case 'long':
      if (!/^-?\d{1,18}$/.test(raw.trim())) {
        problems.push({ path, text: `Value '${raw}' at '${path}' failed to satisfy constraint: Member must be a number` });
        return undefined;
      }
      return Number(raw);
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') {
        problems.push({ path, text: `Value '${raw}' at '${path}' failed to satisfy constraint: Member must be a boolean` });
        return undefined;
      }
      return raw === 'true';
    case 'timestamp': {
      const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
      if (Number.isNaN(d.getTime())) {
        problems.push({ path, text: `Value '${raw}' at '${path}' failed to satisfy constraint: Member must be a timestamp` });
        return undefined;
      }
      return d;
    }
    default:
      return raw;
  }
}

// ---- responses ------------------------------------------------------------------------------

/** The success response for `operation` with `output` (PascalCase members, as in the model). */
export function encodeQueryOutput(model: ServiceModel, operation: string, output: Record<string, unknown> | undefined, requestId: string): string {
  const op = model.operations[operation];
  if (!op) throw new TypeError(`no operation ${operation}`);
  const ns = model.metadata.xmlNamespace ?? '';
  const parts: string[] = [`<${operation}Response xmlns="${ns}">`];
  if (op.output && op.resultWrapper) {
    parts.push(`<${op.resultWrapper}>`);
    writeXmlMembers(model, shapeOf(model, op.output), output ?? {}, parts, QUERY_XML);
    parts.push(`</${op.resultWrapper}>`);
  }
  parts.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
  return parts.join('');
}

/** Query responses: timestamps to the second; IAM returns every policy document URL-encoded (RFC 3986), whatever the operation. */
const QUERY_XML: XmlStyle = {
  skipLocated: false,
  timestamp: isoSeconds,
  text: (v, ref) => (ref.shape === 'policyDocumentType' ? rfc3986(v) : escapeXml(v)),
};

/** The query protocol's error envelope. */
export function encodeQueryError(model: ServiceModel, err: AwsError, requestId: string): string {
  const ns = model.metadata.xmlNamespace ?? '';
  return (
    `<ErrorResponse xmlns="${ns}"><Error><Type>${err.senderFault ? 'Sender' : 'Receiver'}</Type>` +
    `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** Status and code of a modelled error shape (e.g. `NoSuchEntityException` → NoSuchEntity, 404). */
export function modelledError(model: ServiceModel, shapeName: string, message: string): AwsError {
  const e = shapeOf(model, shapeName).error ?? {};
  return new AwsError(e.code ?? shapeName, message, e.httpStatusCode ?? 400, e.senderFault ?? true);
}
