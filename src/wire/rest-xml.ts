import { SaxesParser } from 'saxes';
import { AwsError } from '../aws/error.js';
import { shapeOf, type OperationModel, type ServiceModel, type Shape, type ShapeRef } from './model.js';
import { escapeXml } from './xml.js';
import { writeXmlMembers, writeXmlValue, type XmlStyle } from './xml-writer.js';

/**
 * The REST-XML protocol (S3), driven by the service model as the query codec is for IAM:
 * - operations are found by HTTP method, the labels of the request URI (`/{Bucket}/{Key+}`), its
 *   literal query markers (`?uploads`, `?list-type=2`) and the querystring/header members the
 *   operation requires (UploadPart needs `partNumber` and `uploadId`; CopyObject the
 *   `x-amz-copy-source` header), the most specific match first;
 * - input members travel in the URI, the query string, headers, a header-prefix map
 *   (`x-amz-meta-*`) or the body (a payload member, or XML with flattened and wrapped lists);
 * - output members go to headers (timestamps RFC 1123) or to an XML body in the service's
 *   namespace (timestamps ISO 8601 with milliseconds, as S3 writes them).
 */
export type Labels = Readonly<Record<string, string>>;

interface Route {
  readonly name: string;
  readonly op: OperationModel;
  readonly labels: readonly string[];
  /** `?uploads` → ['uploads', undefined]; `?list-type=2` → ['list-type', '2'] */
  readonly markers: readonly (readonly [string, string | undefined])[];
  readonly requiredQuery: readonly string[];
  readonly requiredHeaders: readonly string[];
}

const routeCache = new WeakMap<ServiceModel, Route[]>();

function routes(model: ServiceModel): Route[] {
  let out = routeCache.get(model);
  if (out) return out;
  out = [];
  for (const [name, op] of Object.entries(model.operations)) {
    const [path = '', query = ''] = op.http.requestUri.split('?');
    const labels = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1] as string);
    const markers = query
      ? query.split('&').map((p) => {
          const eq = p.indexOf('=');
          return eq < 0 ? ([p, undefined] as const) : ([p.slice(0, eq), p.slice(eq + 1)] as const);
        })
      : [];
    const input = op.input ? shapeOf(model, op.input) : undefined;
    const requiredQuery: string[] = [];
    const requiredHeaders: string[] = [];
    for (const r of input?.required ?? []) {
      const ref = input?.members?.[r];
      if (ref?.location === 'querystring') requiredQuery.push(ref.locationName ?? r);
      if (ref?.location === 'header') requiredHeaders.push((ref.locationName ?? r).toLowerCase());
    }
    out.push({ name, op, labels, markers, requiredQuery, requiredHeaders });
  }
  routeCache.set(model, out);
  return out;
}

/**
 * The operation a request is for, or undefined when none of the model's operations match. The
 * candidate with the most markers and required members present wins (ListMultipartUploads over
 * ListObjects for `GET /b?uploads`; UploadPart over PutObject for `PUT /b/k?partNumber=1&uploadId=…`).
 */
export function selectOperation(
  model: ServiceModel,
  method: string,
  labels: Labels,
  query: ReadonlyMap<string, string>,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  let best: Route | undefined;
  let bestScore = -1;
  for (const r of candidates(model, method, labels)) {
    let score = 0;
    let ok = true;
    for (const [k, v] of r.markers) {
      const got = query.get(k);
      if (got === undefined || (v !== undefined && got !== v)) ok = false;
      score += 2;
    }
    for (const q of r.requiredQuery) {
      if (!query.has(q)) ok = false;
      score++;
    }
    for (const h of r.requiredHeaders) {
      if (headers[h] === undefined) ok = false;
      score++;
    }
    if (ok && score > bestScore) {
      best = r;
      bestScore = score;
    }
  }
  return best?.name;
}

const candidateCache = new WeakMap<ServiceModel, Map<string, Route[]>>();

/** The routes with this method and exactly these labels present, computed once per combination. */
function candidates(model: ServiceModel, method: string, labels: Labels): Route[] {
  let byKey = candidateCache.get(model);
  if (!byKey) candidateCache.set(model, (byKey = new Map()));
  const present = Object.keys(labels)
    .filter((k) => labels[k] !== undefined)
    .sort();
  const key = `${method} ${present.join(' ')}`;
  let out = byKey.get(key);
  if (!out) {
    out = routes(model).filter((r) => r.op.http.method === method && r.labels.length === present.length && r.labels.every((l) => labels[l] !== undefined));
    // Bounded by the model: methods × label combinations the model names (others match nothing and are cheap to recompute).
    if (out.length) byKey.set(key, out);
  }
  return out;
}

// ---- requests -------------------------------------------------------------------------------

export interface RestRequest {
  readonly labels: Labels;
  /** Query parameters, decoded; the first value of a repeated name. */
  readonly query: ReadonlyMap<string, string>;
  /** Node's lowercased headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body, for operations whose payload is not streamed. */
  readonly body?: Uint8Array | undefined;
}

/** A request value the model cannot read (`max-keys=abc`): S3's InvalidArgument, naming it. */
export class RestInputError extends AwsError {
  constructor(
    message: string,
    readonly argumentName: string,
    readonly argumentValue: string,
  ) {
    super('InvalidArgument', message, 400);
  }
}

/**
 * Reads an operation's input members from the URI labels, query, headers and (when given) the
 * body. A streamed payload (PutObject's Body) is left to the caller.
 */
export function decodeRestInput(model: ServiceModel, operation: string, req: RestRequest): Record<string, unknown> {
  const plan = inputPlan(model, operation);
  const out: Record<string, unknown> = {};
  if (!plan) return out;
  for (const m of plan.members) {
    switch (m.location) {
      case 'uri': {
        const v = req.labels[m.where];
        if (v !== undefined) out[m.name] = v;
        break;
      }
      case 'querystring': {
        const v = req.query.get(m.where);
        if (v !== undefined) out[m.name] = scalarFromText(m.shape, v, m.where, 'iso8601');
        break;
      }
      case 'header': {
        const v = headerValue(req.headers[m.whereLower]);
        if (v !== undefined) out[m.name] = scalarFromText(m.shape, v, m.where, 'rfc822');
        break;
      }
      case 'headers': {
        const prefix = m.whereLower;
        const map: Record<string, string> = {};
        let any = false;
        for (const h in req.headers) {
          const v = req.headers[h];
          if (!h.startsWith(prefix) || v === undefined) continue;
          map[h.slice(prefix.length)] = headerValue(v) as string;
          any = true;
        }
        if (any) out[m.name] = map;
        break;
      }
      default:
        if (plan.payload === m.name && req.body !== undefined) {
          const member = m.shape;
          if (member.type === 'structure') {
            if (req.body.length === 0) break;
            const root = parseXml(req.body);
            if (root.name !== m.where) throw malformedXml();
            out[m.name] = readStructure(model, member, root);
          } else if (member.type === 'string') {
            out[m.name] = Buffer.from(req.body).toString('utf8');
          } else if (member.type === 'blob' && !member.streaming) {
            out[m.name] = req.body;
          }
        }
    }
  }
  return out;
}

interface MemberPlan {
  readonly name: string;
  readonly location: ShapeRef['location'];
  /** The wire name (locationName, else the member name) and its lowercase form for headers. */
  readonly where: string;
  readonly whereLower: string;
  readonly shape: Shape;
  readonly ref: ShapeRef;
}

interface StructurePlan {
  readonly members: readonly MemberPlan[];
  readonly byName: ReadonlyMap<string, MemberPlan>;
  readonly payload: string | undefined;
}

const inputPlans = new WeakMap<ServiceModel, Map<string, StructurePlan | undefined>>();
const outputPlans = new WeakMap<ServiceModel, Map<string, StructurePlan | undefined>>();

/** An operation's input or output members with their shapes resolved, once per operation: requests only walk the list. */
function structurePlan(cache: WeakMap<ServiceModel, Map<string, StructurePlan | undefined>>, model: ServiceModel, operation: string, which: 'input' | 'output'): StructurePlan | undefined {
  let byOp = cache.get(model);
  if (!byOp) cache.set(model, (byOp = new Map()));
  if (byOp.has(operation)) return byOp.get(operation);
  const op = model.operations[operation];
  if (!op) throw new TypeError(`no operation ${operation}`);
  const shapeName = op[which];
  let plan: StructurePlan | undefined;
  if (shapeName) {
    const shape = shapeOf(model, shapeName);
    const members = Object.entries(shape.members ?? {}).map(([name, ref]): MemberPlan => {
      const where = ref.locationName ?? name;
      return { name, location: ref.location, where, whereLower: where.toLowerCase(), shape: shapeOf(model, ref.shape), ref };
    });
    plan = { payload: shape.payload, members, byName: new Map(members.map((m) => [m.name, m])) };
  }
  byOp.set(operation, plan);
  return plan;
}

function inputPlan(model: ServiceModel, operation: string): StructurePlan | undefined {
  return model.operations[operation] ? structurePlan(inputPlans, model, operation, 'input') : undefined;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
}

function scalarFromText(shape: Shape, text: string, where: string, timeFormat: 'iso8601' | 'rfc822'): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long': {
      const t = text.trim();
      if (!/^-?\d{1,15}$/.test(t)) throw new RestInputError(`Provided ${where} not an integer or within integer range`, where, text);
      return Number(t);
    }
    case 'boolean':
      return text.trim().toLowerCase() === 'true';
    case 'timestamp': {
      const d = parseTimestamp(text, shape.timestampFormat ?? timeFormat);
      // S3 ignores conditional dates it cannot read; the caller sees undefined.
      return d;
    }
    default:
      return text;
  }
}

function parseTimestamp(text: string, format: string): Date | undefined {
  const t = text.trim();
  const d = format === 'unixTimestamp' || /^\d+(\.\d+)?$/.test(t) ? new Date(Number(t) * 1000) : new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

// ---- XML bodies -----------------------------------------------------------------------------

export interface XmlElement {
  /** Local name (namespace prefix removed). */
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const MAX_DEPTH = 32;

export function malformedXml(): AwsError {
  return new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
}

/** A strict XML 1.0 parse (saxes) into elements; a DOCTYPE, a syntax error or deep nesting is MalformedXML. */
export function parseXml(body: Uint8Array): XmlElement {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('doctype', () => {
    failed = true;
  });
  parser.on('opentag', (tag) => {
    const colon = tag.name.indexOf(':');
    const el: XmlElement = { name: colon < 0 ? tag.name : tag.name.slice(colon + 1), children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
    if (stack.length > MAX_DEPTH) failed = true;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(Buffer.from(body).toString('utf8')).close();
  } catch {
    throw malformedXml();
  }
  if (failed || !root) throw malformedXml();
  return root;
}

function readStructure(model: ServiceModel, shape: Shape, el: XmlElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const tag = ref.locationName ?? name;
    const member = shapeOf(model, ref.shape);
    if (member.type === 'list') {
      const itemRef = member.member as ShapeRef;
      let items: XmlElement[];
      if (member.flattened || ref.flattened) items = el.children.filter((c) => c.name === tag);
      else {
        const wrapper = el.children.find((c) => c.name === tag);
        if (!wrapper) continue;
        items = wrapper.children.filter((c) => c.name === (itemRef.locationName ?? 'member'));
      }
      if (!items.length && !(member.flattened || ref.flattened)) {
        out[name] = [];
        continue;
      }
      if (items.length) out[name] = items.map((c) => readValue(model, itemRef, c));
      continue;
    }
    const child = el.children.find((c) => c.name === tag);
    if (child) out[name] = readValue(model, ref, child);
  }
  return out;
}

function readValue(model: ServiceModel, ref: ShapeRef, el: XmlElement): unknown {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return readStructure(model, shape, el);
    case 'integer':
    case 'long': {
      const t = el.text.trim();
      if (!/^-?\d{1,15}$/.test(t)) throw malformedXml();
      return Number(t);
    }
    case 'boolean': {
      const t = el.text.trim();
      if (t !== 'true' && t !== 'false') throw malformedXml();
      return t === 'true';
    }
    case 'timestamp': {
      const d = parseTimestamp(el.text, 'iso8601');
      if (!d) throw malformedXml();
      return d;
    }
    default:
      return el.text;
  }
}

// ---- responses ------------------------------------------------------------------------------

export interface RestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The XML document or text payload; undefined when the body is empty or streamed. */
  readonly body: string | undefined;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Encodes an operation's output. `root` names the document element when the body is the
 * output's unlocated members (S3 names them per operation: `ListBucketResult`, …). A streamed
 * blob payload (GetObject's Body) is the caller's to write.
 */
export function encodeRestOutput(model: ServiceModel, operation: string, output: Record<string, unknown>, root?: string): RestResponse {
  const op = model.operations[operation];
  if (!op) throw new TypeError(`no operation ${operation}`);
  const headers: Record<string, string> = {};
  const status = op.http.responseCode ?? 200;
  const plan = structurePlan(outputPlans, model, operation, 'output');
  if (!plan) return { status, headers, body: undefined };
  const ns = model.metadata.xmlNamespace ?? S3_NAMESPACE;
  let body: string | undefined;
  let bodyValues = false;
  // The output's own members (a handful) drive the loop, not the model's (GetObjectOutput has 40).
  for (const name in output) {
    const m = plan.byName.get(name);
    const v = output[name];
    if (!m || v === undefined || v === null) continue;
    if (m.location === 'header') {
      headers[m.whereLower] = headerText(v);
    } else if (m.location === 'headers') {
      if (typeof v === 'object') for (const [k, val] of Object.entries(v as Record<string, string>)) headers[`${m.whereLower}${k}`] = String(val);
    } else if (m.location === 'statusCode') {
      // not used by S3 outputs
    } else if (plan.payload === m.name) {
      if (m.shape.type === 'structure') {
        const tag = m.ref.locationName ?? m.ref.shape;
        const parts: string[] = [XML_DECLARATION, `<${tag} xmlns="${ns}">`];
        writeXmlMembers(model, m.shape, v as Record<string, unknown>, parts, REST_XML);
        parts.push(`</${tag}>`);
        body = parts.join('');
      } else if (typeof v === 'string') body = v;
    } else if (!plan.payload) {
      bodyValues = true;
    }
  }
  if (!plan.payload && root) {
    // Body elements in the model's order, as S3 writes them.
    const parts: string[] = [XML_DECLARATION, `<${root} xmlns="${ns}">`];
    if (bodyValues) {
      for (const m of plan.members) {
        if (m.location) continue;
        const v = output[m.name];
        if (v !== undefined && v !== null) writeXmlValue(model, m.ref, m.where, v, parts, REST_XML);
      }
    }
    parts.push(`</${root}>`);
    body = parts.join('');
  }
  return { status, headers, body };
}

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

function headerText(v: unknown): string {
  if (v instanceof Date) return v.toUTCString();
  return String(v);
}

/** S3 bodies: timestamps ISO 8601 with milliseconds; quotes escaped in text (ETags). */
const REST_XML: XmlStyle = { skipLocated: true, timestamp: (d) => d.toISOString(), text: (v) => escapeXmlText(v) };

/** Text content; quotes escaped too, as S3 writes ETags (`&quot;…&quot;`). */
export function escapeXmlText(s: string): string {
  return escapeXml(s).replace(/"/g, '&quot;');
}
