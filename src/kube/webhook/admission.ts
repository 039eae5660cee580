/**
 * The AdmissionReview adapter: HTTP request (content type, query, body) → HTTP response, as
 * upstream's `Handle` and `MutatePod` (§4). Works for `admission.k8s.io/v1` and `v1beta1`: the
 * request's `apiVersion` and `kind` are echoed (upstream #225, fixed there by #310), the `uid` is
 * echoed, and the patch is standard padded base64 of a JSON Patch. Pure apart from the injected
 * patcher (the config lookups).
 * @see https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#response
 */
import type { JsonPatchOp } from './json-patch.js';
import { decodePod, goJsonKind, type Pod } from './pod.js';

export interface AdmissionHttpRequest {
  /** The `Content-Type` header; must be exactly `application/json`. */
  readonly contentType: string | undefined;
  /** The raw query string without `?` (upstream's middleware parses it and fails on a malformed one). */
  readonly query?: string;
  readonly body: string;
}

export interface AdmissionHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The patch for a pod created in `namespace`, or undefined when nothing applies. */
export type PodPatcher = (pod: Pod, namespace: string) => Promise<JsonPatchOp[] | undefined>;

interface AdmissionResponseBody {
  uid: string;
  allowed: boolean;
  status?: { metadata: Record<string, never>; message: string };
  patch?: string;
  patchType?: 'JSONPatch';
}

interface TypeMeta {
  kind?: string;
  apiVersion?: string;
}

const JSON_TYPE = 'application/json';
/** Go `http.Error` headers. */
const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } as const;
/** Go's `encoding/json` message for a truncated document. */
const UNEXPECTED_END = 'unexpected end of JSON input';
/** The anonymous struct apimachinery's json serializer reads apiVersion/kind into first. */
const TYPE_META_STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

export async function handleAdmissionRequest(req: AdmissionHttpRequest, patcher: PodPatcher): Promise<AdmissionHttpResponse> {
  if (req.contentType !== JSON_TYPE) {
    return { status: 415, headers: TEXT_HEADERS, body: 'Invalid Content-Type, expected `application/json`\n' };
  }
  if (req.query !== undefined && !isGoParsableQuery(req.query)) {
    return { status: 400, headers: { 'content-type': JSON_TYPE }, body: '{"error": "error parsing form"}' };
  }
  return { status: 200, headers: { 'content-type': JSON_TYPE }, body: await reviewAdmission(req.body, patcher) };
}

/** Body of an AdmissionReview request → body of the AdmissionReview response (always HTTP 200). */
export async function reviewAdmission(body: string, patcher: PodPatcher): Promise<string> {
  let doc: unknown;
  if (body.trim() === '') {
    doc = {}; // apimachinery decodes an empty body to an empty review: "bad content" below
  } else {
    try {
      doc = JSON.parse(body);
    } catch (e) {
      return render({}, denied('', `couldn't get version/kind; json parse error: ${goSyntaxMessage(e, body)}`));
    }
  }
  if (doc === null) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return render({}, denied('', `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonKind(doc)} into Go value of type ${TYPE_META_STRUCT}`));
  }
  const review = doc as Record<string, unknown>;
  for (const f of ['apiVersion', 'kind'] as const) {
    const v = review[f];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return render({}, denied('', `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonKind(v)} into Go struct field .${f} of type string`));
    }
  }
  const typeMeta: TypeMeta = {};
  if (typeof review['kind'] === 'string' && review['kind'] !== '') typeMeta.kind = review['kind'];
  if (typeof review['apiVersion'] === 'string' && review['apiVersion'] !== '') typeMeta.apiVersion = review['apiVersion'];

  const request = review['request'];
  if (request === undefined || request === null) return render(typeMeta, denied('', 'bad content'));
  if (typeof request !== 'object' || Array.isArray(request)) {
    return render(typeMeta, denied('', `json: cannot unmarshal ${goJsonKind(request)} into Go struct field AdmissionReview.request of type v1.AdmissionRequest`));
  }
  const r = request as Record<string, unknown>;
  for (const f of ['uid', 'namespace'] as const) {
    const v = r[f];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return render(typeMeta, denied('', `json: cannot unmarshal ${goJsonKind(v)} into Go struct field AdmissionRequest.request.${f} of type string`));
    }
  }
  const uid = typeof r['uid'] === 'string' ? r['uid'] : '';
  const namespace = typeof r['namespace'] === 'string' ? r['namespace'] : '';
  // A RawExtension that is absent or null has no bytes: Go's json.Unmarshal(nil) fails.
  if (r['object'] === undefined || r['object'] === null) return render(typeMeta, denied(uid, UNEXPECTED_END));
  const decoded = decodePod(r['object']);
  if (!decoded.ok) return render(typeMeta, denied(uid, decoded.message));

  const ops = await patcher(decoded.pod, namespace);
  if (ops === undefined || ops.length === 0) return render(typeMeta, { uid, allowed: true });
  return render(typeMeta, { uid, allowed: true, patch: base64Utf8(JSON.stringify(ops)), patchType: 'JSONPatch' });
}

function denied(uid: string, message: string): AdmissionResponseBody {
  return { uid, allowed: false, status: { metadata: {}, message } };
}

/** Go field order: kind, apiVersion, response{uid, allowed, status, patch, patchType}. */
function render(typeMeta: TypeMeta, response: AdmissionResponseBody): string {
  return JSON.stringify({ ...typeMeta, response });
}

/** Go's message for the syntax errors that matter (truncation); V8's words for the others. */
function goSyntaxMessage(e: unknown, body: string): string {
  const m = e instanceof Error ? e.message : String(e);
  const at = /at position (\d+)/.exec(m);
  if (/Unexpected end of JSON input/.test(m) || (at && Number(at[1]) >= body.trimEnd().length)) return UNEXPECTED_END;
  const first = body.trimStart()[0];
  if (/^Unexpected token/.test(m) && first !== undefined && !'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
  return `invalid JSON: ${m}`;
}

/** Go `url.ParseQuery` fails on a `;` or a bad percent escape. */
function isGoParsableQuery(query: string): boolean {
  return !query.includes(';') && !/%(?![0-9A-Fa-f]{2})/.test(query);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 of the UTF-8 bytes of `s` (the `patch` field's encoding). */
export function base64Utf8(s: string): string {
  const bytes = utf8(s);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63] as string;
    out += B64[(n >> 12) & 63] as string;
    out += b === undefined ? '=' : (B64[(n >> 6) & 63] as string);
    out += c === undefined ? '=' : (B64[n & 63] as string);
  }
  return out;
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does), without platform APIs. */
function utf8(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    let cp = ch.codePointAt(0) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}
