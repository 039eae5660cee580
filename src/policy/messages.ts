import type { Decision, PolicyType } from './authorize.js';

/**
 * AWS's current AccessDenied wording, which names the policy type that denied
 * ("Troubleshoot access denied error messages", troubleshoot_access-denied.html):
 *   User: ARN is not authorized to perform: ACTION on resource: RES because no identity-based
 *   policy allows the ACTION action
 *   User: ARN is not authorized to perform: ACTION on resource: RES with an explicit deny in a
 *   resource-based policy
 */
const TYPE_NAMES: Readonly<Record<PolicyType, string>> = {
  scp: 'service control policy',
  resource: 'resource-based policy',
  identity: 'identity-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
};

export function policyTypeName(t: PolicyType): string {
  return TYPE_NAMES[t];
}

/**
 * The message for a denied request. `resource` is left out of the text when it is `*` or empty
 * (actions that take no resource).
 */
export function accessDeniedMessage(callerArn: string, action: string, resource: string | undefined, decision: Decision): string {
  const on = resource && resource !== '*' ? ` on resource: ${resource}` : '';
  const head = `User: ${callerArn} is not authorized to perform: ${action}${on}`;
  const type = decision.deniedBy ?? 'identity';
  if (decision.decision === 'explicitDeny') return `${head} with an explicit deny in ${article(TYPE_NAMES[type])} ${TYPE_NAMES[type]}`;
  return `${head} because no ${TYPE_NAMES[type]} allows the ${action} action`;
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}
