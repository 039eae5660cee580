/** SigV4 timestamps: ISO 8601 basic (`20261128T101500Z`) and the HTTP `Date` header forms. */

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `YYYYMMDDTHHMMSSZ` strictly (calendar-valid, UTC); undefined when it is not one. */
export function parseAmzDate(s: string): Date | undefined {
  const m = AMZ_DATE.exec(s);
  if (!m) return undefined;
  return fromParts(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 2822 as Python's formatdate writes it
// (`Sun, 06 Nov 1994 08:49:37 -0000`), and RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`.
const RFC_DATE = /^(?:[A-Za-z]{3,9},\s*)?(\d{1,2})[\s-]([A-Za-z]{3})[\s-](\d{2}|\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s*(GMT|UTC|UT|Z|[+-]\d{4})$/;
// asctime `Sun Nov  6 08:49:37 1994`
const ASCTIME = /^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/;

/**
 * Parses an HTTP `Date` header value: the RFC 7231 forms, RFC 2822 with a numeric zone, or ISO 8601
 * basic (which AWS also accepts there). Undefined when none fits.
 */
export function parseHttpDate(raw: string): Date | undefined {
  const s = raw.trim();
  const basic = parseAmzDate(s);
  if (basic) return basic;
  let m = RFC_DATE.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.toLowerCase()];
    if (!month) return undefined;
    let year = +m[3]!;
    if (m[3]!.length === 2) year += year < 70 ? 2000 : 1900;
    const d = fromParts(year, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
    if (!d) return undefined;
    const zone = m[7]!;
    if (zone[0] === '+' || zone[0] === '-') {
      const mins = +zone.slice(1, 3) * 60 + +zone.slice(3, 5);
      if (+zone.slice(3, 5) > 59) return undefined;
      return new Date(d.getTime() - (zone[0] === '+' ? 1 : -1) * mins * 60_000);
    }
    return d;
  }
  m = ASCTIME.exec(s);
  if (m) {
    const month = MONTHS[m[1]!.toLowerCase()];
    if (!month) return undefined;
    return fromParts(+m[6]!, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!);
  }
  return undefined;
}

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(t);
  // Rejects 30 February and friends (Date.UTC rolls them over).
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return date;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** `YYYYMMDDTHHMMSSZ`, the form SigV4 signs. */
export function formatAmzDate(d: Date): string {
  const y = d.getUTCFullYear();
  return `${y < 1000 ? String(y).padStart(4, '0') : y}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}Z`;
}
