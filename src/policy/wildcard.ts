/**
 * Glob matching for IAM: `*` matches any run of characters (including none, including `/` and
 * `:`), `?` matches exactly one. Patterns are compiled once into segments split at `*`; matching
 * places the first and last segment at the ends and each middle segment at its leftmost fit, which
 * is exact for `*`/`?` globs and runs without regular expressions or backtracking.
 */

/** A pattern piece: literal text, or a wildcard. Literal text never acts as a wildcard. */
export type GlobToken = string | typeof STAR | typeof ANY_CHAR;
export const STAR: unique symbol = Symbol('*');
export const ANY_CHAR: unique symbol = Symbol('?');

/** One star-free run: its text, and where `?` stands (those positions match any character). */
interface Segment {
  readonly text: string;
  readonly any: readonly number[] | null;
}

export type Matcher = (s: string) => boolean;

const always: Matcher = () => true;

/** Tokens for a pattern written in a policy, where every `*` and `?` is a wildcard. */
export function tokenizePattern(pattern: string, out: GlobToken[] = []): GlobToken[] {
  let lit = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*' || ch === '?') {
      if (lit) out.push(lit);
      lit = '';
      out.push(ch === '*' ? STAR : ANY_CHAR);
    } else lit += ch;
  }
  if (lit) out.push(lit);
  return out;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Compiles a policy pattern (`*`, `?` are wildcards). */
export function compileGlob(pattern: string): Matcher {
  if (pattern === '*') return always;
  if (!hasWildcard(pattern)) return (s) => s === pattern;
  return compileTokens(tokenizePattern(pattern));
}

/** Compiles tokens into a matcher. */
export function compileTokens(tokens: readonly GlobToken[]): Matcher {
  const segments = toSegments(tokens);
  if (segments.length === 2 && segments[0]!.text === '' && segments[1]!.text === '') return always;
  if (segments.length === 1) {
    const only = segments[0]!;
    if (!only.any) {
      const text = only.text;
      return (s) => s === text;
    }
    return (s) => s.length === only.text.length && matchAt(only, s, 0);
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1);
  const minLength = segments.reduce((n, seg) => n + seg.text.length, 0);
  if (middle.length === 0 && !first.any && !last.any) {
    const a = first.text;
    const b = last.text;
    if (b === '') return (s) => s.startsWith(a);
    if (a === '') return (s) => s.endsWith(b);
    return (s) => s.length >= minLength && s.startsWith(a) && s.endsWith(b);
  }
  return (s) => {
    if (s.length < minLength) return false;
    if (!matchAt(first, s, 0)) return false;
    const end = s.length - last.text.length;
    if (!matchAt(last, s, end)) return false;
    let pos = first.text.length;
    for (const seg of middle) {
      const at = find(seg, s, pos, end - seg.text.length);
      if (at < 0) return false;
      pos = at + seg.text.length;
    }
    return true;
  };
}

/** Matches tokens against `s` once, without keeping a compiled form (for per-request patterns). */
export function matchTokens(tokens: readonly GlobToken[], s: string): boolean {
  return compileTokens(tokens)(s);
}

function toSegments(tokens: readonly GlobToken[]): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  let any: number[] | null = null;
  for (const t of tokens) {
    if (t === STAR) {
      segments.push({ text, any });
      text = '';
      any = null;
    } else if (t === ANY_CHAR) {
      (any ??= []).push(text.length);
      text += '?';
    } else text += t;
  }
  segments.push({ text, any });
  return segments;
}

function matchAt(seg: Segment, s: string, at: number): boolean {
  if (!seg.any) return s.startsWith(seg.text, at);
  const t = seg.text;
  if (at < 0 || at + t.length > s.length) return false;
  let k = 0;
  const any = seg.any;
  for (let i = 0; i < t.length; i++) {
    if (k < any.length && any[k] === i) {
      k++;
      continue;
    }
    if (s.charCodeAt(at + i) !== t.charCodeAt(i)) return false;
  }
  return true;
}

/** Leftmost position in [from, maxStart] where `seg` matches, or -1. */
function find(seg: Segment, s: string, from: number, maxStart: number): number {
  if (!seg.any) {
    const at = s.indexOf(seg.text, from);
    return at >= 0 && at <= maxStart ? at : -1;
  }
  for (let at = from; at <= maxStart; at++) if (matchAt(seg, s, at)) return at;
  return -1;
}
