/**
 * The few Go standard-library parsers whose exact behaviour decides what the upstream webhook does
 * with an annotation or a flag: strconv.ParseBool, strconv.ParseInt, encoding/csv, path.Clean /
 * filepath.Join and time.ParseDuration. Pure: no Node APIs.
 */

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go `strconv.ParseBool`: undefined where Go returns an error. */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits only; undefined on error. */
export function parseGoInt64(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const big = BigInt(s);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return Number(big);
}

/**
 * The first record of Go `encoding/csv` `Reader.Read()` with default settings (comma separator, no
 * trimming, strict quotes, empty lines skipped). Undefined where Go returns an error, including
 * io.EOF for an empty or blank-lines-only input.
 */
export function readFirstCsvRecord(input: string): string[] | undefined {
  const lines = splitLines(input);
  let n = 0;
  // Go skips empty lines before a record.
  while (n < lines.length && (lines[n] === '\n' || lines[n] === '')) n++;
  let line = lines[n++];
  if (line === undefined) return undefined;
  const fields: string[] = [];
  for (;;) {
    if (!line.startsWith('"')) {
      const i = line.indexOf(',');
      const field = i >= 0 ? line.slice(0, i) : stripNewline(line);
      if (field.includes('"')) return undefined; // ErrBareQuote
      fields.push(field);
      if (i < 0) return fields;
      line = line.slice(i + 1);
      continue;
    }
    // Quoted field, possibly spanning lines.
    let field = '';
    line = line.slice(1);
    for (;;) {
      const i = line.indexOf('"');
      if (i >= 0) {
        field += line.slice(0, i);
        line = line.slice(i + 1);
        const next = line[0];
        if (next === '"') {
          field += '"';
          line = line.slice(1);
        } else if (next === ',') {
          fields.push(field);
          line = line.slice(1);
          break;
        } else if (line === '' || line === '\n') {
          fields.push(field);
          return fields;
        } else {
          return undefined; // ErrQuote: extraneous character after a closing quote
        }
      } else if (line.length > 0) {
        field += line;
        line = lines[n++] ?? '';
        if (line === '') return undefined; // ErrQuote: EOF inside a quoted field
      } else {
        return undefined;
      }
    }
  }
}

/** Lines with their `\n` kept, `\r\n` normalised to `\n` (as Go's reader does). */
function splitLines(input: string): string[] {
  const out: string[] = [];
  const re = /[^\n]*\n|[^\n]+$/g;
  for (const m of input.matchAll(re)) out.push(m[0].endsWith('\n') ? m[0].replace(/\r\n$/, '\n') : m[0].replace(/\r$/, ''));
  return out;
}

function stripNewline(line: string): string {
  return line.endsWith('\n') ? line.slice(0, -1) : line;
}

/** Go `path.Clean`: the shortest equivalent slash path (no `//`, `.`, resolvable `..`, trailing `/`). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go `filepath.Join` on a Unix host: non-empty elements joined by `/`, then cleaned; "" if all are empty. */
export function joinPath(...elements: string[]): string {
  const parts = elements.filter((e) => e !== '');
  return parts.length === 0 ? '' : cleanPath(parts.join('/'));
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go `time.ParseDuration`, in milliseconds (`"0"`, `"100ms"`, `"1m30s"`, `"-2s"`); undefined on error. */
export function parseGoDurationMs(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
