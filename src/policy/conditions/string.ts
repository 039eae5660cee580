import { parsedValues } from '../context.js';
import { parseTemplate, renderTemplate, renderTemplateTokens, type TemplatePart } from '../variables.js';
import { compileGlob, matchTokens, type Matcher } from '../wildcard.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * String operators: case-sensitive equality, `IgnoreCase` equality, and `Like` with `*`/`?`.
 * Policy variables are allowed. A value whose variable has no value matches nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
export function compileString({ op, values, variables }: FamilyInput): ValueTest {
  const templates = variables ? values.map(parseTemplate) : values.map(() => undefined);
  const dynamic = templates.some((t) => t !== undefined);
  switch (op.comparison) {
    case 'eq':
      if (!dynamic) {
        if (values.length === 1) {
          const only = values[0];
          return (v, i) => v.values[i] === only;
        }
        const set = new Set(values);
        return (v, i) => set.has(v.values[i] as string);
      }
      return (v, i, ctx) => {
        const s = v.values[i];
        return values.some((pv, k) => (templates[k] ? renderTemplate(templates[k], ctx) : pv) === s);
      };
    case 'ieq': {
      const lower = (v: Parameters<ValueTest>[0]) => parsedValues(v, 'lower', (s) => s.toLowerCase());
      if (!dynamic) {
        const set = new Set(values.map((s) => s.toLowerCase()));
        return (v, i) => set.has(lower(v)[i] as string);
      }
      return (v, i, ctx) => {
        const s = lower(v)[i];
        return values.some((pv, k) => (templates[k] ? renderTemplate(templates[k], ctx) : pv)?.toLowerCase() === s);
      };
    }
    case 'like': {
      const globs: (Matcher | TemplatePart[])[] = values.map((pv, k) => templates[k] ?? compileGlob(pv));
      return (v, i, ctx) => {
        const s = v.values[i] as string;
        for (const g of globs) {
          if (typeof g === 'function') {
            if (g(s)) return true;
          } else {
            const tokens = renderTemplateTokens(g, ctx);
            if (tokens && matchTokens(tokens, s)) return true;
          }
        }
        return false;
      };
    }
    default:
      throw new TypeError(`string operator with ${op.comparison} comparison`);
  }
}
