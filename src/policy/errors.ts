/**
 * Errors the policy engine reports for bad input. Codes are IAM's wire codes: a malformed document
 * is `MalformedPolicyDocument` (HTTP 400), a size quota is `LimitExceeded` (HTTP 409).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html#API_CreatePolicy_Errors
 */
export type PolicyErrorCode = 'MalformedPolicyDocument' | 'LimitExceeded';

export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}

export function malformed(message: string): PolicyError {
  return new PolicyError('MalformedPolicyDocument', message);
}

/** IAM's fixed messages, verbatim. */
export const MSG = {
  syntax: 'Syntax errors in policy.',
  version: 'Policy document must be version 2012-10-17 or greater.',
  legacy: 'The policy failed legacy parsing',
  sidUnique: 'Statement IDs (SID) in a single policy must be unique.',
  needActions: 'Policy statement must contain actions.',
  needResources: 'Policy statement must contain resources.',
  vendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  noPrincipal: 'Policy document should not specify a principal.',
  needPrincipal: 'Missing required field Principal',
  trustResource: 'Has prohibited field Resource.',
  trustActions: 'AssumeRole policy may only specify STS AssumeRole actions.',
} as const;
