import type { ConditionEntry } from '../document.js';
import type { RequestContext } from '../context.js';
import { compileArn } from './arn.js';
import { compileBinary } from './binary.js';
import { compileBool } from './bool.js';
import { compileDate } from './date.js';
import { compileIp } from './ip.js';
import { compileNumeric } from './numeric.js';
import { parseOperator, type Operator, type OperatorFamily } from './operator.js';
import { compileString } from './string.js';
import { never, type FamilyInput, type ValueTest } from './value-test.js';

/**
 * One compiled `"Operator": {"key": values}` entry. Semantics
 * ("IAM JSON policy elements: Condition operators" and "Single-valued vs. multivalued context keys"):
 * - values of one key are ORed; a negated operator is true when no value matches (NOR);
 * - an absent key makes the condition false, or true for a negated operator, `…IfExists`, and
 *   `ForAllValues`; `ForAnyValue` with an absent or empty key is false;
 * - a multivalued request key needs a set operator: without one the condition does not match;
 * - `Null: true` means the key is absent, `false` that it is present.
 */
export interface CompiledCondition {
  readonly entry: ConditionEntry;
  readonly op: Operator | undefined;
  readonly keyLower: string;
  readonly test: ValueTest;
  /** For `Null`: the presence states that satisfy it. */
  readonly nullWants: readonly boolean[] | undefined;
}

const FAMILIES: Readonly<Record<Exclude<OperatorFamily, 'Null'>, (input: FamilyInput) => ValueTest>> = {
  String: compileString,
  Numeric: compileNumeric,
  Date: compileDate,
  Bool: compileBool,
  Binary: compileBinary,
  Ip: compileIp,
  Arn: compileArn,
};

export function compileCondition(entry: ConditionEntry, variables: boolean): CompiledCondition {
  const op = parseOperator(entry.operator);
  const keyLower = entry.key.toLowerCase();
  if (!op) return { entry, op, keyLower, test: never, nullWants: undefined };
  if (op.family === 'Null') {
    return { entry, op, keyLower, test: never, nullWants: entry.values.map((v) => v.toLowerCase() === 'true') };
  }
  return { entry, op, keyLower, test: FAMILIES[op.family]({ op, values: entry.values, variables }), nullWants: undefined };
}

export function conditionHolds(c: CompiledCondition, ctx: RequestContext): boolean {
  const op = c.op;
  // An unknown operator can only appear with an empty block, which validation turns into no entry.
  if (!op) return false;
  const v = ctx.get(c.keyLower);
  const present = v !== undefined && v.values.length > 0;
  if (c.nullWants) return c.nullWants.includes(!present);
  if (!present) {
    if (op.set === 'forAllValues') return true;
    if (op.set === 'forAnyValue') return false;
    return op.ifExists || op.negated;
  }
  const n = v.values.length;
  const test = c.test;
  if (op.set === 'none') {
    if (v.list) return false;
    const m = test(v, 0, ctx);
    return op.negated ? !m : m;
  }
  if (op.set === 'forAllValues') {
    for (let i = 0; i < n; i++) if (test(v, i, ctx) === op.negated) return false;
    return true;
  }
  for (let i = 0; i < n; i++) if (test(v, i, ctx) !== op.negated) return true;
  return false;
}
