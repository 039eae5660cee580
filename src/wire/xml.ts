/**
 * A small XML writer for AWS responses. A value tree becomes elements in insertion order:
 * arrays become `<member>` lists (the query protocol's shape), `Date`s ISO 8601 without a
 * fraction (as IAM writes them), booleans `true`/`false`, `undefined` and `null` are left out.
 */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | XmlObject;
export interface XmlObject {
  [name: string]: XmlValue;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Escapes text content (no attribute values are written, so quotes stay as they are). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => ESCAPES[c] as string);
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function scalar(v: string | number | boolean | Date): string {
  if (v instanceof Date) return isoSeconds(v);
  return escapeXml(String(v));
}

export function writeXml(name: string, v: XmlValue, out: string[] = []): string[] {
  if (v === undefined || v === null) return out;
  if (Array.isArray(v)) {
    out.push(`<${name}>`);
    for (const item of v) writeXml('member', item, out);
    out.push(`</${name}>`);
  } else if (typeof v === 'object' && !(v instanceof Date)) {
    out.push(`<${name}>`);
    for (const [k, child] of Object.entries(v)) writeXml(k, child, out);
    out.push(`</${name}>`);
  } else {
    const s = scalar(v);
    out.push(s === '' ? `<${name}/>` : `<${name}>${s}</${name}>`);
  }
  return out;
}

/** A document: `<Root xmlns="ns">children</Root>`. */
export function xmlDocument(root: string, namespace: string, children: XmlObject): string {
  const out = [`<${root} xmlns="${namespace}">`];
  for (const [k, v] of Object.entries(children)) writeXml(k, v, out);
  out.push(`</${root}>`);
  return out.join('');
}

/** RFC 3986 encoding as IAM applies it to policy documents: only unreserved characters stay bare. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
