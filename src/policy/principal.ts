import { isAccountId, parseArn } from '../arn/arn.js';
import type { PrincipalElement } from './document.js';

/**
 * Who makes a request, and how a Principal/NotPrincipal element matches it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
export type PrincipalKind =
  | 'root'
  | 'user'
  | 'role'
  | 'assumedRole'
  | 'federatedUser'
  | 'webIdentity'
  | 'saml'
  | 'service'
  | 'anonymous';

export interface RequestPrincipal {
  readonly kind: PrincipalKind;
  /** The principal's ARN (a session's `arn:aws:sts::…:assumed-role/…`), provider, or service name. */
  readonly id: string;
  /** Account of an AWS principal (root, user, role, session, federated user). */
  readonly account: string | undefined;
  /** For a role session: the role's ARN, path included. */
  readonly roleArn: string | undefined;
  /** For a role session: the session name. */
  readonly sessionName: string | undefined;
  /** For a federated-user session: the IAM user that called GetFederationToken, when known. */
  readonly userArn?: string | undefined;
}

/** OpenID Connect providers AWS names without an ARN in `Federated`. */
const WELL_KNOWN_IDPS = new Set(['cognito-identity.amazonaws.com', 'www.amazon.com', 'graph.facebook.com', 'accounts.google.com']);

/**
 * Reads a caller: an ARN (root, user, role, assumed-role session, federated user, OIDC or SAML
 * provider), a service principal (`ec2.amazonaws.com`), a well-known web identity provider, or
 * `anonymous` / `*`. A session's role ARN is derived without a path unless `roleArn` is given; a
 * federated-user session's IAM user is only known when `userArn` is given (its name is the
 * GetFederationToken `Name`, not the user's).
 */
export function principalFromString(caller: string, roleArn?: string, userArn?: string): RequestPrincipal | undefined {
  const none = { account: undefined, roleArn: undefined, sessionName: undefined };
  if (caller === '*' || caller === 'anonymous') return { kind: 'anonymous', id: '*', ...none };
  if (WELL_KNOWN_IDPS.has(caller)) return { kind: 'webIdentity', id: caller, ...none };
  if (!caller.startsWith('arn:')) {
    return /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(caller) ? { kind: 'service', id: caller, ...none } : undefined;
  }
  const arn = parseArn(caller);
  if (!arn || !isAccountId(arn.account)) return undefined;
  const { partition, account, resource } = arn;
  if (arn.service === 'iam') {
    if (resource === 'root') return { kind: 'root', id: caller, ...none, account };
    if (resource.startsWith('user/')) return { kind: 'user', id: caller, ...none, account };
    if (resource.startsWith('role/')) return { kind: 'role', id: caller, ...none, account, roleArn: caller };
    if (resource.startsWith('oidc-provider/')) return { kind: 'webIdentity', id: caller, ...none };
    if (resource.startsWith('saml-provider/')) return { kind: 'saml', id: caller, ...none };
    return undefined;
  }
  if (arn.service === 'sts') {
    const m = /^assumed-role\/([^/]+)\/([^/]+)$/.exec(resource);
    if (m) {
      const role = roleArn ?? `arn:${partition}:iam::${account}:role/${m[1] as string}`;
      return { kind: 'assumedRole', id: caller, account, roleArn: role, sessionName: m[2] };
    }
    if (resource.startsWith('federated-user/')) return { kind: 'federatedUser', id: caller, ...none, account, userArn };
  }
  return undefined;
}

/**
 * How a Principal element named the caller. The same-account rules of resource-based policies
 * depend on it: naming a user, a session or a federated user grants to that principal directly,
 * naming a role grants to its sessions within boundary and session policy, naming the account
 * delegates to the account's identity policies.
 */
export type PrincipalMatch = 'none' | 'everyone' | 'account' | 'role' | 'exact';

const AWS_KINDS: ReadonlySet<PrincipalKind> = new Set(['root', 'user', 'role', 'assumedRole', 'federatedUser']);

function accountOf(value: string): string | undefined {
  if (isAccountId(value)) return value;
  const arn = parseArn(value);
  return arn && arn.service === 'iam' && arn.resource === 'root' ? arn.account : undefined;
}

function awsValueMatch(p: RequestPrincipal, value: string): PrincipalMatch {
  if (value === '*') return 'everyone';
  if (!AWS_KINDS.has(p.kind)) return 'none';
  const account = accountOf(value);
  if (account !== undefined) return p.account === account ? 'account' : 'none';
  // Naming a role grants within the boundary and session policies, whether the caller is the
  // role's session or (in a simulation) the role itself; naming the IAM user behind a federated
  // session likewise ("Session policies": the session policy limits what such a grant adds).
  if (p.kind === 'role' && value === p.id) return 'role';
  if (value === p.id) return 'exact';
  if (p.kind === 'assumedRole' && value === p.roleArn) return 'role';
  if (p.kind === 'federatedUser' && p.userArn !== undefined && value === p.userArn) return 'role';
  return 'none';
}

/** The strongest way any entry of `el` names `p`. */
export function matchPrincipal(el: PrincipalElement, p: RequestPrincipal): PrincipalMatch {
  if (el === '*') return 'everyone';
  let best: PrincipalMatch = 'none';
  // Everyone grants as directly as naming the caller, so it outranks a role match.
  const rank: Record<PrincipalMatch, number> = { none: 0, account: 1, role: 2, everyone: 3, exact: 3 };
  const consider = (m: PrincipalMatch): void => {
    if (rank[m] > rank[best]) best = m;
  };
  for (const v of el.AWS ?? []) consider(awsValueMatch(p, v));
  if (p.kind === 'webIdentity' || p.kind === 'saml') for (const v of el.Federated ?? []) if (v === p.id) consider('exact');
  if (p.kind === 'service') for (const v of el.Service ?? []) if (v === p.id) consider('exact');
  return best;
}

/**
 * NotPrincipal exempts a caller only when every identity AWS checks for it is listed: the account,
 * then the role, then the session (NotPrincipal page, "Key points").
 */
export function notPrincipalExempts(el: PrincipalElement, p: RequestPrincipal): boolean {
  if (el === '*') return true;
  const aws = el.AWS ?? [];
  if (aws.includes('*')) return true;
  const listed = (id: string): boolean => aws.includes(id);
  const accountListed = (): boolean => aws.some((v) => accountOf(v) === p.account);
  switch (p.kind) {
    case 'root':
      return accountListed();
    case 'user':
    case 'role':
      return accountListed() && listed(p.id);
    case 'federatedUser':
      return accountListed() && (p.userArn === undefined || listed(p.userArn)) && listed(p.id);
    case 'assumedRole':
      return accountListed() && listed(p.roleArn as string) && listed(p.id);
    case 'webIdentity':
    case 'saml':
      return (el.Federated ?? []).includes(p.id);
    case 'service':
      return (el.Service ?? []).includes(p.id);
    case 'anonymous':
      return false;
  }
}
