/**
 * Turns a raw response into its fixture text: the status line, the headers that matter, and the
 * body indented one element per line, with everything that changes from run to run replaced by
 * a placeholder. Unique ids get numbered placeholders by kind in order of first appearance over
 * the whole scenario (`<role-id:1>` is the same role in every fixture), so the fixtures still
 * show which response names which entity.
 */
import type { RawResponse } from './client.js';

const ID_KINDS: Readonly<Record<string, string>> = {
  AROA: 'role-id',
  AIDA: 'user-id',
  ANPA: 'policy-id',
  ANVA: 'policy-version-id',
  AGPA: 'group-id',
  AKIA: 'access-key-id',
  ASIA: 'session-key-id',
};
const ID_RE = /\b(AROA|AIDA|ANPA|ANVA|AGPA|AKIA|ASIA)[A-Z2-7]{16,17}\b/g;
const TIMESTAMP_RE = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;
const UUID_RE = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/** The headers kept in fixtures (values of the volatile ones are replaced). */
export const FIXTURE_HEADERS = ['content-type', 'date', 'x-amzn-requestid'] as const;

export class Normalizer {
  private readonly numbered = new Map<string, Map<string, string>>();
  /** Literal values replaced everywhere (e.g. a port the OS picked), longest first. */
  private readonly literals: [string, string][] = [];

  /**
   * @param window timestamps inside [start, end] come from the scenario's fixed clock and are
   * kept as they are; any other timestamp (made with the wall clock) becomes `<date>`.
   */
  constructor(private readonly window: { start: Date; end: Date }) {}

  literal(value: string, placeholder: string): void {
    this.literals.push([value, placeholder]);
    this.literals.sort((a, b) => b[0].length - a[0].length);
  }

  private number(kind: string, value: string): string {
    let m = this.numbered.get(kind);
    if (!m) this.numbered.set(kind, (m = new Map()));
    let p = m.get(value);
    if (!p) m.set(value, (p = `<${kind}:${m.size + 1}>`));
    return p;
  }

  text(s: string): string {
    let out = s;
    for (const [v, p] of this.literals) out = out.split(v).join(p);
    out = out.replace(/<(SessionToken|SecretAccessKey|Marker)>([^<]+)<\/\1>/g, (_m, tag: string, v: string) => {
      const kind = tag === 'SessionToken' ? 'session-token' : tag === 'SecretAccessKey' ? 'secret' : 'marker';
      return `<${tag}>${this.number(kind, v)}</${tag}>`;
    });
    out = out.replace(ID_RE, (id, prefix: string) => this.number(ID_KINDS[prefix] as string, id));
    out = out.replace(UUID_RE, '<request-id>');
    out = out.replace(TIMESTAMP_RE, (t) => {
      const ms = Date.parse(t);
      return ms >= this.window.start.getTime() && ms <= this.window.end.getTime() ? t : '<date>';
    });
    return out;
  }

  fixture(r: RawResponse): string {
    const lines = [`HTTP/1.1 ${r.status} ${r.statusText}`];
    for (const h of FIXTURE_HEADERS) {
      const v = r.headers[h];
      if (v === undefined) continue;
      lines.push(`${h}: ${h === 'date' ? '<date>' : this.text(v)}`);
    }
    lines.push('', this.text(prettyXml(r.body)));
    return `${lines.join('\n')}\n`;
  }
}

/**
 * One element per line, two spaces per level; an element holding only text (or nothing) stays
 * on one line. The query protocol's XML has no mixed content, so nothing is lost; the raw body
 * is what clients parse, this form is only for reading diffs.
 */
export function prettyXml(xml: string): string {
  const tokens = xml.match(/<[^>]+>|[^<]+/g) ?? [];
  const out: string[] = [];
  let depth = 0;
  const pad = () => '  '.repeat(Math.max(depth, 0));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t.startsWith('<?')) out.push(t);
    else if (t.startsWith('</')) {
      depth--;
      out.push(pad() + t);
    } else if (t.startsWith('<') && t.endsWith('/>')) out.push(pad() + t);
    else if (t.startsWith('<')) {
      const next = tokens[i + 1];
      const after = tokens[i + 2];
      if (next !== undefined && !next.startsWith('<') && after?.startsWith('</')) {
        out.push(pad() + t + next + after);
        i += 2;
      } else if (next?.startsWith('</')) {
        out.push(pad() + t + next);
        i += 1;
      } else {
        out.push(pad() + t);
        depth++;
      }
    } else if (t.trim() !== '') out.push(pad() + t.trim());
  }
  return out.join('\n');
}
