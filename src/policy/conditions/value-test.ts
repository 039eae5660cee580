import type { ContextValue, RequestContext } from '../context.js';
import type { Operator } from './operator.js';

/** True when request value `i` of `v` matches at least one of the condition's policy values. */
export type ValueTest = (v: ContextValue, i: number, ctx: RequestContext) => boolean;

export interface FamilyInput {
  readonly op: Operator;
  /** Policy values as written. */
  readonly values: readonly string[];
  /** Whether policy variables are substituted (Version 2012-10-17). */
  readonly variables: boolean;
}

export const never: ValueTest = () => false;
