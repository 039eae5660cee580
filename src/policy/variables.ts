import type { ContextValue, RequestContext } from './context.js';
import { tokenizePattern, type GlobToken } from './wildcard.js';

/**
 * Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, and the escapes
 * `${*}`, `${?}`, `${$}` for literal `*`, `?`, `$`. They are only substituted under Version
 * 2012-10-17; older or absent versions read `${...}` as plain text.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'var'; readonly key: string; readonly keyLower: string; readonly fallback: string | undefined };

const DEFAULT_FORM = /^(.*?)\s*,\s*'(.*)'$/s;

/** Splits `s` into parts; returns undefined when it contains no variable or escape. */
export function parseTemplate(s: string): TemplatePart[] | undefined {
  if (!s.includes('${')) return undefined;
  const parts: TemplatePart[] = [];
  let i = 0;
  let text = '';
  while (i < s.length) {
    const open = s.indexOf('${', i);
    const close = open < 0 ? -1 : s.indexOf('}', open + 2);
    if (open < 0 || close < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, open);
    if (text) parts.push({ kind: 'text', text });
    text = '';
    const inner = s.slice(open + 2, close).trim();
    if (inner === '*' || inner === '?' || inner === '$') parts.push({ kind: 'literal', text: inner });
    else {
      const m = DEFAULT_FORM.exec(inner);
      const key = (m ? (m[1] as string) : inner).trim();
      parts.push({ kind: 'var', key, keyLower: key.toLowerCase(), fallback: m ? (m[2] as string) : undefined });
    }
    i = close + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/**
 * The value a variable stands for, or undefined when it has none (key absent, or multivalued:
 * multivalued keys cannot be used as variables).
 */
export function variableValue(ctx: RequestContext, keyLower: string, fallback: string | undefined): string | undefined {
  const v: ContextValue | undefined = ctx.get(keyLower);
  if (v && !v.list && v.values.length === 1) return v.values[0];
  return fallback;
}

/** Substitutes every variable; undefined when one has no value. */
export function renderTemplate(parts: readonly TemplatePart[], ctx: RequestContext): string | undefined {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'var') {
      const v = variableValue(ctx, p.keyLower, p.fallback);
      if (v === undefined) return undefined;
      out += v;
    } else out += p.text;
  }
  return out;
}

/** Glob tokens with variables substituted: written text keeps its wildcards, values do not. */
export function renderTemplateTokens(parts: readonly TemplatePart[], ctx: RequestContext): GlobToken[] | undefined {
  const out: GlobToken[] = [];
  for (const p of parts) {
    if (p.kind === 'text') tokenizePattern(p.text, out);
    else if (p.kind === 'literal') out.push(p.text);
    else {
      const v = variableValue(ctx, p.keyLower, p.fallback);
      if (v === undefined) return undefined;
      out.push(v);
    }
  }
  return out;
}
