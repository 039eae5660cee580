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
import { paginate } from './common.js';
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

/** AWS's names for the policy types in EvalDecisionDetails (SimulatePrincipalPolicy API reference). */
const DETAIL_NAMES: Readonly<Record<string, string>> = { identity: 'IAM Policy', resource: 'Resource Policy', boundary: 'Permissions Boundary Policy' };

function run(
  identity: PolicySet,
  boundary: PolicySet | undefined,
  input: SimulateInput,
  callerArn: string,
  sourceIds: ReadonlyMap<string, string>,
  roleArn?: string,
): { evaluationResults: EvaluationResult[]; isTruncated: boolean; marker?: string | undefined } {
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
      // AWS names a statement's policy as given (PolicyInputList.1), by policy name (managed) or
      // as user_<user>_<policy> / role_<role>_<policy> (inline), and types it "IAM Policy" or
      // "Resource Policy" (SimulatePrincipalPolicy API reference examples).
      results.push({
        evalActionName: action,
        evalResourceName: resource,
        evalDecision: d.decision,
        // An allowing boundary is reported in PermissionsBoundaryDecisionDetail, not as a matched
        // statement (SimulatePrincipalPolicy API reference, "Same-Account Simulation").
        matchedStatements: d.matchedStatements.filter((s) => d.decision !== 'allowed' || s.policyType !== 'boundary').map((s) => ({
          sourcePolicyId: sourceIds.get(s.policyId) ?? s.policyId,
          sourcePolicyType: s.policyType === 'resource' ? 'Resource Policy' : 'IAM Policy',
        })),
        missingContextValues: [],
        permissionsBoundaryDecisionDetail: boundaryReason ? { allowedByPermissionsBoundary: boundaryReason.result === 'allowed' } : undefined,
        // With a resource policy, the decision of each policy type.
        evalDecisionDetails: resourcePolicy
          ? Object.fromEntries(
              d.reasons
                .filter((r) => DETAIL_NAMES[r.policyType])
                .map((r) => [DETAIL_NAMES[r.policyType] as string, r.result === 'notRequired' ? 'allowed' : r.result]),
            )
          : undefined,
      });
    }
  }
  const page = paginate(
    results.map((result, i) => ({ result, key: String(i).padStart(8, '0') })),
    (x) => x.key,
    input.marker,
    input.maxItems,
  );
  return { evaluationResults: page.items.map((x) => x.result), isTruncated: page.isTruncated, marker: page.marker };
}

export function simulateCustomPolicy(account: string, input: SimulateInput): { evaluationResults: EvaluationResult[]; isTruncated: boolean; marker?: string | undefined } {
  const identity = new PolicySet((input.policyInputList ?? []).map((text, i) => load(text, 'identity', `PolicyInputList.${i + 1}`)));
  const boundaryList = input.permissionsBoundaryPolicyInputList ?? [];
  const boundary = boundaryList.length
    ? new PolicySet(boundaryList.map((text, i) => load(text, 'boundary', `PermissionsBoundaryPolicyInputList.${i + 1}`)))
    : undefined;
  return run(identity, boundary, input, input.callerArn ?? `arn:aws:iam::${account}:user/simulated-user`, new Map());
}

export async function simulatePrincipalPolicy(
  cache: PolicyCache,
  account: string,
  input: SimulateInput & { policySourceArn: string },
): Promise<{ evaluationResults: EvaluationResult[]; isTruncated: boolean; marker?: string | undefined }> {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):(user|role)\/(?:.*\/)?([\w+=,.@-]+)$/.exec(input.policySourceArn);
  if (!m || m[1] !== account) throw iamError.invalidInput(`Invalid PolicySourceArn ${input.policySourceArn}`);
  const type = m[2] as 'user' | 'role';
  const loaded = await cache.forEntity(type, account, m[3] as string);
  if (!loaded || loaded.entity.arn !== input.policySourceArn) throw iamError.noSuchEntity(`Could not find ${type} with ARN ${input.policySourceArn}`);
  const extra = (input.policyInputList ?? []).map((text, i) => load(text, 'identity', `PolicyInputList.${i + 1}`));
  const identity = new PolicySet([...loaded.identity.policies, ...extra]);
  const boundaryList = input.permissionsBoundaryPolicyInputList ?? [];
  const boundary = boundaryList.length ? new PolicySet(boundaryList.map((text, i) => load(text, 'boundary', `PermissionsBoundaryPolicyInputList.${i + 1}`))) : loaded.boundary;
  const entityName = String('roleName' in loaded.entity ? loaded.entity.roleName : loaded.entity.userName);
  const sourceIds = new Map<string, string>();
  for (const p of [...loaded.identity.policies, ...(loaded.boundary?.policies ?? [])]) sourceIds.set(p.id, displayId(p.id, type, entityName));
  // A role is simulated as one of its sessions: roles act only through sessions.
  const caller = input.callerArn ?? (type === 'role' ? `arn:aws:sts::${account}:assumed-role/${m[3] as string}/simulation` : input.policySourceArn);
  return run(identity, boundary, input, caller, sourceIds, type === 'role' ? input.policySourceArn : undefined);
}

/**
 * The SourcePolicyId AWS reports for a stored policy: the policy name of a managed policy
 * (compiled as `<policy arn>:<version>`), `<type>_<entity>_<policy>` for an inline policy
 * (compiled as `<entity arn>:inline/<policy>`).
 */
function displayId(id: string, type: 'user' | 'role', entityName: string): string {
  const inline = id.indexOf(':inline/');
  if (inline >= 0) return `${type}_${entityName}_${id.slice(inline + ':inline/'.length)}`;
  const m = /:policy\/(?:.*\/)?([^/:]+):v\d+$/.exec(id);
  return m ? (m[1] as string) : id;
}
