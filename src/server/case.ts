/**
 * AWS member names are PascalCase on the wire and camelCase in the domain: the conversion is
 * mechanical (first letter only, so `ClientIDList` ↔ `clientIDList`). Dates and other class
 * instances pass through unchanged.
 */
function convert(v: unknown, first: (s: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => convert(x, first));
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[first(k)] = convert(x, first);
  return out;
}

export const toCamel = (v: unknown): unknown => convert(v, (s) => s.charAt(0).toLowerCase() + s.slice(1));
export const toPascal = (v: unknown): unknown => convert(v, (s) => s.charAt(0).toUpperCase() + s.slice(1));
