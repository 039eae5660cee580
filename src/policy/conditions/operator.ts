/**
 * Condition operator names: a base operator, optionally prefixed by a set qualifier
 * (`ForAllValues:` / `ForAnyValue:`) and suffixed by `IfExists`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn' | 'Null';

/** How one request value is compared with one policy value. */
export type Comparison = 'eq' | 'like' | 'lt' | 'lte' | 'gt' | 'gte' | 'ieq' | 'in';

export type SetQualifier = 'none' | 'forAllValues' | 'forAnyValue';

export interface Operator {
  readonly name: string;
  readonly base: string;
  readonly family: OperatorFamily;
  readonly comparison: Comparison;
  /** `StringNotEquals`, `NotIpAddress`, …: true when no policy value matches. */
  readonly negated: boolean;
  readonly set: SetQualifier;
  readonly ifExists: boolean;
}

type Base = Pick<Operator, 'family' | 'comparison' | 'negated'>;

const BASE: Readonly<Record<string, Base>> = {
  StringEquals: { family: 'String', comparison: 'eq', negated: false },
  StringNotEquals: { family: 'String', comparison: 'eq', negated: true },
  StringEqualsIgnoreCase: { family: 'String', comparison: 'ieq', negated: false },
  StringNotEqualsIgnoreCase: { family: 'String', comparison: 'ieq', negated: true },
  StringLike: { family: 'String', comparison: 'like', negated: false },
  StringNotLike: { family: 'String', comparison: 'like', negated: true },
  NumericEquals: { family: 'Numeric', comparison: 'eq', negated: false },
  NumericNotEquals: { family: 'Numeric', comparison: 'eq', negated: true },
  NumericLessThan: { family: 'Numeric', comparison: 'lt', negated: false },
  NumericLessThanEquals: { family: 'Numeric', comparison: 'lte', negated: false },
  NumericGreaterThan: { family: 'Numeric', comparison: 'gt', negated: false },
  NumericGreaterThanEquals: { family: 'Numeric', comparison: 'gte', negated: false },
  DateEquals: { family: 'Date', comparison: 'eq', negated: false },
  DateNotEquals: { family: 'Date', comparison: 'eq', negated: true },
  DateLessThan: { family: 'Date', comparison: 'lt', negated: false },
  DateLessThanEquals: { family: 'Date', comparison: 'lte', negated: false },
  DateGreaterThan: { family: 'Date', comparison: 'gt', negated: false },
  DateGreaterThanEquals: { family: 'Date', comparison: 'gte', negated: false },
  Bool: { family: 'Bool', comparison: 'eq', negated: false },
  BinaryEquals: { family: 'Binary', comparison: 'eq', negated: false },
  IpAddress: { family: 'Ip', comparison: 'in', negated: false },
  NotIpAddress: { family: 'Ip', comparison: 'in', negated: true },
  // ArnEquals and ArnLike behave identically (condition operators page, "ARN condition operators").
  ArnEquals: { family: 'Arn', comparison: 'like', negated: false },
  ArnLike: { family: 'Arn', comparison: 'like', negated: false },
  ArnNotEquals: { family: 'Arn', comparison: 'like', negated: true },
  ArnNotLike: { family: 'Arn', comparison: 'like', negated: true },
  Null: { family: 'Null', comparison: 'eq', negated: false },
};

const cache = new Map<string, Operator | null>();

/** Parses an operator name as IAM does (case-sensitive); undefined when unknown. */
export function parseOperator(name: string): Operator | undefined {
  const hit = cache.get(name);
  if (hit !== undefined) return hit ?? undefined;
  let rest = name;
  let set: SetQualifier = 'none';
  if (rest.startsWith('ForAllValues:')) {
    set = 'forAllValues';
    rest = rest.slice('ForAllValues:'.length);
  } else if (rest.startsWith('ForAnyValue:')) {
    set = 'forAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const base = Object.prototype.hasOwnProperty.call(BASE, rest) ? BASE[rest] : undefined;
  const op = base ? { name, base: rest, ...base, set, ifExists } : undefined;
  if (cache.size < 4096) cache.set(name, op ?? null);
  return op;
}

export const BASE_OPERATORS: readonly string[] = Object.keys(BASE);
