import { splitArn } from '../../arn/arn.js';
import { parsedValues, type RequestContext } from '../context.js';
import { parseTemplate, renderTemplateTokens, type TemplatePart } from '../variables.js';
import { compileGlob, matchTokens, type GlobToken, type Matcher } from '../wildcard.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * ARN operators (`ArnEquals`, `ArnLike` and their negations behave identically): case-sensitive,
 * each of the six colon-delimited segments matched on its own, with `*` and `?` inside a segment.
 * A policy value with fewer than six segments is compared as a whole string.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
type ArnPattern =
  | { readonly kind: 'segments'; readonly segments: readonly Matcher[] }
  | { readonly kind: 'whole'; readonly match: Matcher }
  | { readonly kind: 'template'; readonly parts: readonly TemplatePart[] };

function compilePattern(value: string, variables: boolean): ArnPattern {
  const parts = variables ? parseTemplate(value) : undefined;
  if (parts) return { kind: 'template', parts };
  const segs = splitArn(value);
  if (!segs) return { kind: 'whole', match: compileGlob(value) };
  return { kind: 'segments', segments: segs.map(compileGlob) };
}

function matchesSegments(segments: readonly Matcher[], value: readonly string[] | undefined): boolean {
  if (!value) return false;
  for (let k = 0; k < 6; k++) if (!(segments[k] as Matcher)(value[k] as string)) return false;
  return true;
}

/** Splits glob tokens into ARN segments at the first five colons of their literal text. */
function splitTokens(tokens: readonly GlobToken[]): GlobToken[][] {
  const segs: GlobToken[][] = [[]];
  for (const t of tokens) {
    if (typeof t !== 'string') {
      (segs[segs.length - 1] as GlobToken[]).push(t);
      continue;
    }
    let rest = t;
    let at = rest.indexOf(':');
    while (at >= 0 && segs.length < 6) {
      if (at > 0) (segs[segs.length - 1] as GlobToken[]).push(rest.slice(0, at));
      segs.push([]);
      rest = rest.slice(at + 1);
      at = rest.indexOf(':');
    }
    if (rest) (segs[segs.length - 1] as GlobToken[]).push(rest);
  }
  return segs;
}

function matchesTemplate(parts: readonly TemplatePart[], raw: string, split: readonly string[] | undefined, ctx: RequestContext): boolean {
  const tokens = renderTemplateTokens(parts, ctx);
  if (!tokens) return false;
  const segs = splitTokens(tokens);
  if (segs.length < 6 || !split) return matchTokens(tokens, raw);
  return segs.every((seg, k) => matchTokens(seg, split[k] as string));
}

export function compileArn({ values, variables }: FamilyInput): ValueTest {
  const patterns = values.map((v) => compilePattern(v, variables));
  return (v, i, ctx) => {
    const raw = v.values[i] as string;
    const split = parsedValues(v, 'arn', splitArn)[i];
    for (const p of patterns) {
      if (p.kind === 'segments' ? matchesSegments(p.segments, split) : p.kind === 'whole' ? p.match(raw) : matchesTemplate(p.parts, raw, split, ctx)) {
        return true;
      }
    }
    return false;
  };
}
