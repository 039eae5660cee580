import { malformed, validation } from './chat.js';

/**
 * The request-body check InvokeModel runs before a model sees the body: a JSON schema per model
 * family, whose violations come back as ValidationException "Malformed input request: <what>,
 * please reformat your input and try again." The <what> texts follow the JSON-schema validator
 * whose messages AWS returns (JSON-pointer location, then the violation), as seen in real
 * responses: `#: required key [max_tokens] not found`, `#: extraneous key [max_tokens] is not
 * permitted`, `#/texts/41: expected maxLength: 2048, actual: 2500`, `#/max_tokens: 8192 is not
 * less or equal to 8191`. Several violations are reported one after the other with no
 * separator (`#: extraneous key [stream] is not permitted#: extraneous key [model] is not
 * permitted`); a body that is not JSON at all gets "Malformed input request, please reformat
 * your input and try again." Only the keywords the bodies need are implemented.
 */
export type Schema =
  | { readonly type: 'object'; readonly properties?: Readonly<Record<string, Schema>>; readonly required?: readonly string[]; readonly additionalProperties?: boolean }
  | { readonly type: 'array'; readonly items?: Schema; readonly minItems?: number; readonly maxItems?: number }
  | { readonly type: 'string'; readonly minLength?: number; readonly maxLength?: number; readonly enum?: readonly string[] }
  | { readonly type: 'integer' | 'number'; readonly minimum?: number; readonly maximum?: number }
  | { readonly type: 'boolean' }
  | { readonly anyOf: readonly Schema[] }
  | { readonly type: 'any' };

const EXPECTED: Readonly<Record<string, string>> = { object: 'JSONObject', array: 'JSONArray', string: 'String', integer: 'Integer', number: 'Number', boolean: 'Boolean' };

function found(v: unknown): string {
  if (v === null) return 'Null';
  if (Array.isArray(v)) return 'JSONArray';
  if (typeof v === 'object') return 'JSONObject';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'BigDecimal';
  return 'Object';
}

const hasType = (schema: Schema, v: unknown): boolean => {
  if (!('type' in schema)) return true;
  switch (schema.type) {
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'any':
      return true;
  }
};

/** Every violation of `schema` by `v`, each as "<pointer>: <message>". */
export function violations(schema: Schema, v: unknown, pointer = '#'): string[] {
  const out: string[] = [];
  visit(schema, v, pointer, out);
  return out;
}

function visit(schema: Schema, v: unknown, at: string, out: string[]): void {
  if ('anyOf' in schema) {
    // When no alternative matches, each one's violations are reported.
    const each = schema.anyOf.map((s) => violations(s, v, at));
    if (!each.some((x) => x.length === 0)) for (const x of each) out.push(...x);
    return;
  }
  if (schema.type === 'any') return;
  if (!hasType(schema, v)) {
    out.push(`${at}: expected type: ${EXPECTED[schema.type] ?? schema.type}, found: ${found(v)}`);
    return;
  }
  switch (schema.type) {
    case 'object': {
      const obj = v as Record<string, unknown>;
      for (const k of schema.required ?? []) if (!(k in obj)) out.push(`${at}: required key [${k}] not found`);
      for (const [k, val] of Object.entries(obj)) {
        const sub = schema.properties?.[k];
        if (sub) visit(sub, val, `${at}/${k}`, out);
        else if (schema.additionalProperties === false) out.push(`${at}: extraneous key [${k}] is not permitted`);
      }
      return;
    }
    case 'array': {
      const arr = v as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems) out.push(`${at}: expected minimum item count: ${schema.minItems}, found: ${arr.length}`);
      if (schema.maxItems !== undefined && arr.length > schema.maxItems) out.push(`${at}: expected maximum item count: ${schema.maxItems}, found: ${arr.length}`);
      if (schema.items) arr.forEach((item, i) => visit(schema.items as Schema, item, `${at}/${i}`, out));
      return;
    }
    case 'string': {
      const s = v as string;
      const len = [...s].length;
      if (schema.minLength !== undefined && len < schema.minLength) out.push(`${at}: expected minLength: ${schema.minLength}, actual: ${len}`);
      if (schema.maxLength !== undefined && len > schema.maxLength) out.push(`${at}: expected maxLength: ${schema.maxLength}, actual: ${len}`);
      if (schema.enum && !schema.enum.includes(s)) out.push(`${at}: ${s} is not a valid enum value`);
      return;
    }
    case 'integer':
    case 'number': {
      const n = v as number;
      if (schema.minimum !== undefined && n < schema.minimum) out.push(`${at}: ${n} is not greater or equal to ${schema.minimum}`);
      if (schema.maximum !== undefined && n > schema.maximum) out.push(`${at}: ${n} is not less or equal to ${schema.maximum}`);
      return;
    }
    default:
      return;
  }
}

/** Parses an InvokeModel body as JSON and checks it against the family's schema. */
export function parseBody(body: Uint8Array, schema: Schema): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw validation('Malformed input request, please reformat your input and try again.');
  }
  const problems = violations(schema, v);
  if (problems.length) throw malformed(problems.join(''));
  return v as Record<string, unknown>;
}
