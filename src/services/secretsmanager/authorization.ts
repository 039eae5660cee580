import { loadPolicy, MSG, PolicyError, PolicySet, validatePolicy, type ContextType, type PolicyDocument } from '../../policy/index.js';
import { smErrors } from './errors.js';
import type { SecretDoc } from './model.js';

/**
 * How Secrets Manager asks IAM: the action (`secretsmanager:<Operation>`, names from the Service
 * Authorization Reference), the secret's ARN as resource, the secret's resource policy, and the
 * condition keys the service supplies ("Condition keys for AWS Secrets Manager").
 * The composition provides `Authorize`, which runs the policy engine and records the decision.
 */
export interface ContextEntry {
  readonly key: string;
  readonly values: string[];
  readonly type?: ContextType;
}

export interface AuthzRequest {
  readonly action: string;
  readonly resource: string;
  /** How the resource appears in a denial: the SecretId as the caller sent it. */
  readonly shownResource?: string | undefined;
  readonly resourcePolicy?: PolicySet | undefined;
  readonly context: readonly ContextEntry[];
}

/** Resolves to AWS's AccessDenied message when the request is denied, undefined when allowed. */
export type Authorize = (r: AuthzRequest) => Promise<string | undefined>;

export async function requireAllowed(authorize: Authorize, r: AuthzRequest): Promise<void> {
  const denied = await authorize(r);
  if (denied !== undefined) throw smErrors.accessDenied(denied);
}

/** Keys every request about an existing secret carries: its ARN and its tags. */
export function secretContext(doc: SecretDoc | undefined, resource: string): ContextEntry[] {
  const out: ContextEntry[] = [{ key: 'secretsmanager:SecretId', values: [resource] }];
  for (const [k, v] of doc?.tags ?? []) {
    out.push({ key: `aws:ResourceTag/${k}`, values: [v] });
    out.push({ key: `secretsmanager:ResourceTag/${k}`, values: [v] });
  }
  return out;
}

/** aws:RequestTag/<key> for each tag and aws:TagKeys for the set of keys. */
export function requestTagContext(tags: readonly (readonly [string, string])[]): ContextEntry[] {
  const out: ContextEntry[] = tags.map(([k, v]) => ({ key: `aws:RequestTag/${k}`, values: [v] }));
  if (tags.length) out.push({ key: 'aws:TagKeys', values: tags.map(([k]) => k), type: 'stringList' });
  return out;
}

export function optional(key: string, value: string | number | boolean | undefined, type?: ContextType): ContextEntry[] {
  return value === undefined ? [] : [{ key, values: [String(value)], ...(type ? { type } : {}) }];
}

/**
 * Resource policies, validated as IAM validates resource-based policies (a Principal in every
 * statement, …) and compiled once per secret and text.
 */
export class ResourcePolicies {
  private readonly cache = new Map<string, PolicySet>();

  constructor(private readonly maxEntries = 1000) {}

  /** Validates a policy for PutResourcePolicy; throws MalformedPolicyDocumentException. */
  validate(text: string): PolicyDocument {
    try {
      return validatePolicy(text, 'resource');
    } catch (e) {
      if (e instanceof PolicyError) throw smErrors.malformedPolicy(e.message === MSG.syntax ? 'This policy has invalid syntax.' : e.message);
      throw e;
    }
  }

  /** The compiled policy of a secret (undefined without one). */
  forSecret(doc: SecretDoc | undefined): PolicySet | undefined {
    if (doc?.policy === undefined) return undefined;
    const key = `${doc.arn}\n${doc.policy}`;
    let set = this.cache.get(key);
    if (!set) {
      set = new PolicySet([loadPolicy(doc.policy, 'resource', `${doc.arn}/resource-policy`)]);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(key, set);
    }
    return set;
  }
}

/**
 * BlockPublicPolicy: AWS asks Zelkova whether the policy grants broad access. This check is
 * narrower: an Allow whose principal is everyone (`"*"` or `{"AWS": "*"}`) with no condition.
 */
export function grantsPublicAccess(doc: PolicyDocument): boolean {
  return doc.statements.some((st) => {
    if (st.effect.toLowerCase() !== 'allow' || st.conditions.length > 0) return false;
    if (st.notPrincipal) return true;
    const p = st.principal;
    return p === '*' || (p !== undefined && (p.AWS ?? []).includes('*'));
  });
}
