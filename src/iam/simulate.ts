import {
  PolicyError,
  PolicySet,
  RequestContext,
  authorize,
  compilePolicy,
  principalFromString,
  validatePolicy,
  type CompiledPolicy,
  type ContextType,
  type Decision,
  type PolicyKind,
} from '../policy/index.js';
import { iamError } from './errors.js';
import type { PolicyCache } from './principal-policies.js';

/**
 * SimulateCustomPolicy and SimulatePrincipalPolicy, backed by the same engine as every real
 * decision (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html).
 */
export interface ContextEntryInput {
  contextKeyName?: string;
  contextKeyValues?: string[];
  contextKeyType?: string;
}

export interface SimulateInput {
  policyInputList?: string[];
  permissionsBoundaryPolicyInputList?: string[];
  actionNames: string[];
  resourceArns?: string[];
  resourcePolicy?: string;
  resourceOwner?: string;
  callerArn?: string;
  contextEntries?: ContextEntryInput[];
  maxItems?: number;
  marker?: string;
}

export interface EvaluationResult {
  evalActionName: string;
  evalResourceName: string;
  evalDecision: Decision['decision'];
  matchedStatements: { sourcePolicyId: string; sourcePolicyType: string }[];
  missingContextValues: string[];
  permissionsBoundaryDecisionDetail?: { allowedByPermissionsBoundary: boolean } | undefined;
  evalDecisionDetails?: Record<string, string> | undefined;
}

function load(text: string, kind: PolicyKind, id: string): CompiledPolicy {
  try {
    return compilePolicy(validatePolicy(text, kind, { sizeQuota: null, requireCurrentVersion: kind !== 'resource' }), kind, id);
  } catch (e) {
    if (e instanceof PolicyError) throw iamError.malformedPolicy(e.message);
    throw e;
  }
}

function context(entries: readonly ContextEntryInput[] | undefined): RequestContext {
  const ctx = new RequestContext();
  for (const e of entries ?? []) {
    if (!e.contextKeyName) continue;
    ctx.set(e.contextKeyName, e.contextKeyValues ?? [], (e.contextKeyType ?? 'string') as ContextType);
  }
  return ctx;
}

function run(
  identity: PolicySet,
  boundary: PolicySet | undefined,
  input: SimulateInput,
  callerArn: string,
  policyTypes: Map<string, string>,
  roleArn?: string,
): { evaluationResults: EvaluationResult[]; isTruncated: boolean } {
  const principal = principalFromString(callerArn, roleArn);
  if (!principal) throw iamError.invalidInput(`Invalid CallerArn ${callerArn}`);
  const resourcePolicy = input.resourcePolicy ? new PolicySet([load(input.resourcePolicy, 'resource', 'ResourcePolicy')]) : undefined;
  const results: EvaluationResult[] = [];
  for (const action of input.actionNames) {
    for (const resource of input.resourceArns?.length ? input.resourceArns : ['*']) {
      const d = authorize(
        { principal, action, resource, context: context(input.contextEntries) },
        { identity, boundary, resource: resourcePolicy, resourceAccount: input.resourceOwner?.match(/\d{12}/)?.[0] },
      );
      const boundaryReason = d.reasons.find((r) => r.policyType === 'boundary');
      results.push({
        evalActionName: action,
        evalResourceName: resource,
        evalDecision: d.decision,
        matchedStatements: d.matchedStatements.map((s) => ({ sourcePolicyId: s.policyId, sourcePolicyType: policyTypes.get(s.policyId) ?? 'IAM Policy' })),
        missingContextValues: [],
        permissionsBoundaryDecisionDetail: boundaryReason ? { allowedByPermissionsBoundary: boundaryReason.result === 'allowed' } : undefined,
        evalDecisionDetails: resourcePolicy ? { ...Object.fromEntries(d.reasons.filter((r) => r.policyType === 'resource').map(() => ['ResourcePolicy', d.decision])) } : undefined,
      });
    }
  }
  return { evaluationResults: results, isTruncated: false };
}

export function simulateCustomPolicy(account: string, input: SimulateInput): { evaluationResults: EvaluationResult[]; isTruncated: boolean } {
  const types = new Map<string, string>();
  const identity = new PolicySet(
    (input.policyInputList ?? []).map((text, i) => {
      types.set(`PolicyInputList.${i + 1}`, 'IAM Policy');
      return load(text, 'identity', `PolicyInputList.${i + 1}`);
    }),
  );
  const boundaryList = input.permissionsBoundaryPolicyInputList ?? [];
  const boundary = boundaryList.length
    ? new PolicySet(
        boundaryList.map((text, i) => {
          types.set(`PermissionsBoundaryPolicyInputList.${i + 1}`, 'IAM Policy');
          return load(text, 'boundary', `PermissionsBoundaryPolicyInputList.${i + 1}`);
        }),
      )
    : undefined;
  return run(identity, boundary, input, input.callerArn ?? `arn:aws:iam::${account}:user/simulated-user`, types);
}

export async function simulatePrincipalPolicy(
  cache: PolicyCache,
  account: string,
  input: SimulateInput & { policySourceArn: string },
): Promise<{ evaluationResults: EvaluationResult[]; isTruncated: boolean }> {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):(user|role)\/(?:.*\/)?([\w+=,.@-]+)$/.exec(input.policySourceArn);
  if (!m || m[1] !== account) throw iamError.invalidInput(`Invalid PolicySourceArn ${input.policySourceArn}`);
  const type = m[2] as 'user' | 'role';
  const loaded = await cache.forEntity(type, account, m[3] as string);
  if (!loaded || loaded.entity.arn !== input.policySourceArn) throw iamError.noSuchEntity(`Could not find ${type} with ARN ${input.policySourceArn}`);
  const extra = (input.policyInputList ?? []).map((text, i) => load(text, 'identity', `PolicyInputList.${i + 1}`));
  const identity = new PolicySet([...loaded.identity.policies, ...extra]);
  const boundaryList = input.permissionsBoundaryPolicyInputList ?? [];
  const boundary = boundaryList.length ? new PolicySet(boundaryList.map((text, i) => load(text, 'boundary', `PermissionsBoundaryPolicyInputList.${i + 1}`))) : loaded.boundary;
  const types = new Map<string, string>(loaded.identity.policies.map((p) => [p.id, p.id.includes(':inline/') ? type : 'user-managed']));
  // A role is simulated as one of its sessions: roles act only through sessions.
  const caller = input.callerArn ?? (type === 'role' ? `arn:aws:sts::${account}:assumed-role/${m[3] as string}/simulation` : input.policySourceArn);
  return run(identity, boundary, input, caller, types, type === 'role' ? input.policySourceArn : undefined);
}
