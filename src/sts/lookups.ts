import type { IamEnv } from '../iam/env.js';
import type { OidcProviderDoc, RoleDoc } from '../iam/model.js';
import { findProviderByIssuer } from '../iam/oidc-providers.js';
import type { PolicyCache } from '../iam/principal-policies.js';
import { findRole } from '../iam/roles.js';
import { PolicySet } from '../policy/index.js';

/**
 * The role and the OIDC provider STS reads on every AssumeRole(WithWebIdentity), cached the way
 * PolicyCache caches compiled policies: until IAM changes in this process (`env.generation`,
 * bumped after every committed IAM write) or, when other replicas share the store, until
 * `env.cacheTtlMs` passes. Absent entities are cached too (creating one bumps the generation).
 * The generation is read before the store is, so a read that races a write is never kept past
 * it. Cached documents are shared: callers must not modify them.
 */
interface Entry<T> {
  readonly value: T | undefined;
  readonly generation: number;
  readonly at: number;
}

const MAX_ENTRIES = 10_000;

class Lookups {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(private readonly env: IamEnv) {}

  async get<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const hit = this.entries.get(key) as Entry<T> | undefined;
    const now = Date.now();
    if (hit && hit.generation === this.env.generation && now - hit.at < this.env.cacheTtlMs) return hit.value;
    const generation = this.env.generation;
    const value = await load();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, generation, at: now });
    return value;
  }
}

const byEnv = new WeakMap<IamEnv, Lookups>();

function lookups(env: IamEnv): Lookups {
  let l = byEnv.get(env);
  if (!l) {
    l = new Lookups(env);
    byEnv.set(env, l);
  }
  return l;
}

/** `findRole`, cached. */
export function cachedRole(env: IamEnv, account: string, name: string): Promise<RoleDoc | undefined> {
  return lookups(env).get(`role\n${account}\n${name.toLowerCase()}`, () => findRole(env, account, name));
}

/** `findProviderByIssuer`, cached (keyed by the exact issuer: IAM matches the URL exactly). */
export function cachedProviderByIssuer(env: IamEnv, account: string, issuer: string): Promise<OidcProviderDoc | undefined> {
  return lookups(env).get(`oidc\n${account}\n${issuer}`, () => findProviderByIssuer(env, account, issuer));
}

const trustSets = new WeakMap<RoleDoc, PolicySet>();

/**
 * The role's trust policy as a PolicySet, built once per role document read from the store (a
 * cached document is the same object until IAM changes, and UpdateAssumeRolePolicy is a change):
 * no per-request cache-key string over the whole document, no per-request action index.
 */
export function trustPolicySet(cache: PolicyCache, role: RoleDoc): PolicySet {
  let set = trustSets.get(role);
  if (!set) {
    set = new PolicySet([cache.compile(`${role.arn}:trust`, role.assumeRolePolicyDocument, 'trust')]);
    trustSets.set(role, set);
  }
  return set;
}
