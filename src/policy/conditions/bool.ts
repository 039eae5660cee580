import { parsedValues } from '../context.js';
import { parseTemplate, renderTemplate } from '../variables.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * `Bool`: compares `true`/`false`, case-insensitively. The operator page lists policy variables as
 * allowed for Bool, so they are substituted.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
 */
export function compileBool({ values, variables }: FamilyInput): ValueTest {
  const templates = variables ? values.map(parseTemplate) : [];
  const lower = values.map((s) => s.toLowerCase());
  return (v, i, ctx) => {
    const s = parsedValues(v, 'lower', (x) => x.toLowerCase())[i];
    for (let k = 0; k < lower.length; k++) {
      const t = templates[k];
      const pv = t ? renderTemplate(t, ctx)?.toLowerCase() : lower[k];
      if (pv === s) return true;
    }
    return false;
  };
}
