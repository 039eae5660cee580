/**
 * The pieces of the SigV4 canonical request that come from the request line and headers, built
 * the way botocore (`auth.SigV4Auth`) and the JS SDK v3 (`@smithy/signature-v4`) build them.
 * Strings here are ASCII after encoding; bytes ≥ 0x80 only come from header values.
 */

// RFC 3986 unreserved: A-Z a-z 0-9 - _ . ~
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_.~]/.test(ch)) UNRESERVED[c] = 1;
}
const HEX = '0123456789ABCDEF';

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** UTF-8 bytes of a string that should be ASCII (node never hands us anything else for the URL). */
function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

/** Percent-decodes to bytes. A `%` not followed by two hex digits stays a literal `%`; `+` stays `+`. */
export function percentDecodeBytes(s: string): Uint8Array {
  const src = utf8(s);
  if (src.indexOf(37) < 0) return src;
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 37 && i + 2 < src.length) {
      const hi = hexVal(src[i + 1]!);
      const lo = hexVal(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Percent-decodes to a string (UTF-8; invalid sequences become U+FFFD). For reading parameter values. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  return Buffer.from(percentDecodeBytes(s)).toString('utf8');
}

/** Strict RFC 3986 encoding of bytes: unreserved kept, everything else `%XX` (upper case). */
function encodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 128 && UNRESERVED[b]) || (keepSlash && b === 47)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** True when `s` is already in strict canonical form (decode + re-encode would not change it). */
function isCanonicalComponent(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && UNRESERVED[c]) continue;
    if (c !== 37 || i + 2 >= s.length) return false;
    const h1 = s.charCodeAt(i + 1);
    const h2 = s.charCodeAt(i + 2);
    // upper-case hex digits only, and the byte must be one that has to be encoded
    const hi = (h1 >= 48 && h1 <= 57) || (h1 >= 65 && h1 <= 70) ? hexVal(h1) : -1;
    const lo = (h2 >= 48 && h2 <= 57) || (h2 >= 65 && h2 <= 70) ? hexVal(h2) : -1;
    if (hi < 0 || lo < 0) return false;
    const b = (hi << 4) | lo;
    if (b < 128 && UNRESERVED[b]) return false;
    i += 2;
  }
  return true;
}

/** Decode, then re-encode strictly (RFC 3986, `%20` for space, upper-case hex). */
export function canonicalComponent(s: string): string {
  if (isCanonicalComponent(s)) return s;
  return encodeBytes(percentDecodeBytes(s), false);
}

/**
 * Canonical URI.
 * - 'double' (every service but S3): remove `.`/`..` and empty segments, then URI-encode the
 *   (already encoded) path again, keeping `/`: botocore `quote(normalize_url_path(path), safe='/~')`,
 *   JS `escapeUri(normalizedPath).replace(/%2F/g, '/')`.
 * - 'single' (S3): the path exactly as sent.
 */
export function canonicalUri(rawPath: string, mode: 'double' | 'single'): string {
  if (mode === 'single') return rawPath === '' ? '/' : rawPath;
  if (rawPath === '/' || rawPath === '') return '/';
  const out: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const path = (rawPath.startsWith('/') ? '/' : '') + out.join('/') + (out.length > 0 && rawPath.endsWith('/') ? '/' : '');
  let plain = true;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (!(c < 128 && (UNRESERVED[c] || c === 47))) {
      plain = false;
      break;
    }
  }
  return plain ? path : encodeBytes(utf8(path), true);
}

export interface QueryParam {
  /** as received */
  rawKey: string;
  rawValue: string;
  /** true when the pair had an `=` */
  hasEq: boolean;
}

/** Splits a raw query into its pairs (empty pairs from `&&` dropped). */
export function splitQuery(rawQuery: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (!rawQuery) return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? { rawKey: part, rawValue: '', hasEq: false } : { rawKey: part.slice(0, eq), rawValue: part.slice(eq + 1), hasEq: true });
  }
  return out;
}

const byKeyThenValue = (a: [string, string], b: [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/**
 * Canonical query string: each key and value decoded then strictly re-encoded, keys without a
 * value become `key=`, sorted by key then value, joined with `&`. `exclude` drops one key (the
 * presigned `X-Amz-Signature`).
 */
export function canonicalQuery(params: readonly QueryParam[], exclude?: string): string {
  if (params.length === 0) return '';
  const pairs: [string, string][] = [];
  for (const p of params) {
    const k = canonicalComponent(p.rawKey);
    if (exclude !== undefined && k === exclude) continue;
    pairs.push([k, canonicalComponent(p.rawValue)]);
  }
  if (pairs.length > 1) pairs.sort(byKeyThenValue);
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += (i ? '&' : '') + pairs[i]![0] + '=' + pairs[i]![1];
  return out;
}

/**
 * The query as botocore canonicalizes a URL it did not build (`_canonical_query_string_url`):
 * pairs kept exactly as sent, sorted. Tried only when the strict form does not verify.
 */
export function rawCanonicalQuery(rawQuery: string, exclude?: string): string {
  if (!rawQuery) return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (exclude !== undefined && k === exclude) continue;
    pairs.push([k, eq < 0 ? '' : part.slice(eq + 1)]);
  }
  pairs.sort(byKeyThenValue);
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * Header value as signed: runs of spaces/tabs (and CR/LF) collapsed to one space, trimmed. Both
 * SDKs do this (botocore `' '.join(value.split())`, JS `replace(/[ \t]+/g, ' ')` + trim).
 */
export function trimAll(v: string): string {
  if (v.length === 0) return v;
  if (v.charCodeAt(0) !== 32 && v.charCodeAt(v.length - 1) !== 32 && !NEEDS_TRIM.test(v)) return v;
  return v.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}
const NEEDS_TRIM = /[\t\r\n]| {2}/;
