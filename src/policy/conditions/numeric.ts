import { parsedValues } from '../context.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * Numeric operators. Values are decimal integers or decimals; anything else ("10abc", "") is not a
 * number and matches nothing. Policy variables are not allowed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
 */
const NUMBER = /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;

export function parseNumber(s: string): number {
  return NUMBER.test(s) ? Number(s) : NaN;
}

export function compileNumeric({ op, values }: FamilyInput): ValueTest {
  const nums = values.map(parseNumber).filter((n) => !Number.isNaN(n));
  return compareEach(op.comparison, nums, (v) => parsedValues(v, 'num', parseNumber));
}

/** Shared by Numeric and Date: compare the parsed request value with each parsed policy value. */
export function compareEach(
  comparison: string,
  policy: readonly number[],
  parsed: (v: Parameters<ValueTest>[0]) => readonly number[],
): ValueTest {
  const cmp: (a: number, b: number) => boolean =
    comparison === 'lt'
      ? (a, b) => a < b
      : comparison === 'lte'
        ? (a, b) => a <= b
        : comparison === 'gt'
          ? (a, b) => a > b
          : comparison === 'gte'
            ? (a, b) => a >= b
            : (a, b) => a === b;
  return (v, i) => {
    const x = parsed(v)[i] as number;
    if (Number.isNaN(x)) return false;
    for (const p of policy) if (cmp(x, p)) return true;
    return false;
  };
}
