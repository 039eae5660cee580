/**
 * The IAM policy engine: parse → validate (per kind) → compile → evaluate → authorize.
 * Pure: no I/O and no Node APIs, so every service, the STS trust check and `irsa simulate` share it.
 */
import { compilePolicy, type CompiledPolicy } from './compile.js';
import type { PolicyKind } from './document.js';
import type { JsonValue } from './json.js';
import { PolicySet } from './policy-set.js';
import { validatePolicy, type ValidateOptions } from './validate/validate.js';

export * from './document.js';
export * from './errors.js';
export * from './context.js';
export * from './principal.js';
export * from './authorize.js';
export * from './messages.js';
export { PolicySet, evaluateSet, type SetEvaluation, type StatementMatch } from './policy-set.js';
export { compilePolicy, prepareRequest, type CompiledPolicy, type CompiledStatement, type PreparedRequest } from './compile.js';
export { validatePolicy, policySize, type ValidateOptions } from './validate/validate.js';
export { parseJson, JsonSyntaxError, type JsonValue } from './json.js';
export { parseOperator, BASE_OPERATORS, type Operator } from './conditions/operator.js';
export { conditionHolds } from './conditions/condition.js';

/** Validates a document for its kind (throwing IAM's error) and compiles it. */
export function loadPolicy(input: string | JsonValue, kind: PolicyKind, id: string, options?: ValidateOptions): CompiledPolicy {
  return compilePolicy(validatePolicy(input, kind, options), kind, id);
}

/** Validates, compiles and indexes a list of documents of one kind. */
export function loadPolicySet(inputs: readonly { readonly id: string; readonly document: string | JsonValue }[], kind: PolicyKind, options?: ValidateOptions): PolicySet {
  return new PolicySet(inputs.map((p) => loadPolicy(p.document, kind, p.id, options)));
}
