/**
 * The validated form of an IAM policy document: what `validatePolicy` returns and `compilePolicy`
 * consumes. Element names follow "IAM JSON policy element reference"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
 */

/** The policy types AWS evaluates, each with its own grammar rules. */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'session' | 'boundary' | 'scp';

export const POLICY_KINDS: readonly PolicyKind[] = ['identity', 'trust', 'resource', 'session', 'boundary', 'scp'];

export type Effect = 'Allow' | 'Deny';

export type PolicyVersion = '2008-10-17' | '2012-10-17';

/** `"*"` or a map from principal type (`AWS`, `Federated`, `Service`, `CanonicalUser`) to values. */
export type PrincipalElement = '*' | Readonly<Record<PrincipalType, readonly string[] | undefined>>;

export type PrincipalType = 'AWS' | 'Federated' | 'Service' | 'CanonicalUser';

export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['AWS', 'Federated', 'Service', 'CanonicalUser'];

/** One `"Operator": { "key": values }` entry of a Condition block, values as written (stringified). */
export interface ConditionEntry {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

export interface Statement {
  /** Zero-based position in the document's Statement list. */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly principal: PrincipalElement | undefined;
  readonly notPrincipal: PrincipalElement | undefined;
  readonly conditions: readonly ConditionEntry[];
}

export interface PolicyDocument {
  /** Absent Version means 2008-10-17 for evaluation (no policy variables). */
  readonly version: PolicyVersion | undefined;
  readonly id: string | undefined;
  readonly statements: readonly Statement[];
}
