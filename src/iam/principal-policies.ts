import { PolicySet, compilePolicy, validatePolicy, type CompiledPolicy, type PolicyKind } from '../policy/index.js';
import type { StoreTx } from '../store/store.js';
import type { IamEnv } from './env.js';
import { K, entityScope, type AttachmentDoc, type EntityType, type InlinePolicyDoc, type RoleDoc, type UserDoc } from './model.js';
import { defaultDocument } from './policies.js';

/**
 * The policies in force for a user or a role: attached managed policies (their default
 * versions) and inline policies as one identity set, and the permissions boundary. Compiled
 * once and cached until IAM changes (this process's generation) or, when other replicas share
 * the store, until the cache TTL passes — IAM itself is eventually consistent.
 */
export interface EntityPolicies {
  readonly entity: RoleDoc | UserDoc;
  readonly identity: PolicySet;
  readonly boundary: PolicySet | undefined;
}

interface Cached {
  readonly value: EntityPolicies | undefined;
  readonly generation: number;
  readonly at: number;
}

const MAX_ENTRIES = 10_000;

export class PolicyCache {
  private readonly entities = new Map<string, Cached>();
  private readonly compiled = new Map<string, CompiledPolicy>();

  constructor(private readonly env: IamEnv) {}

  async forEntity(type: EntityType, account: string, name: string): Promise<EntityPolicies | undefined> {
    const key = `${type}:${account}:${name.toLowerCase()}`;
    const hit = this.entities.get(key);
    const now = Date.now();
    if (hit && hit.generation === this.env.generation && now - hit.at < this.env.cacheTtlMs) return hit.value;
    const generation = this.env.generation;
    const value = await this.env.store.read((t) => this.load(t, type, account, name));
    if (this.entities.size >= MAX_ENTRIES) this.entities.clear();
    this.entities.set(key, { value, generation, at: now });
    return value;
  }

  /** Compiles a document once per (id, text). */
  compile(id: string, text: string, kind: PolicyKind): CompiledPolicy {
    const key = `${kind}\u0000${id}\u0000${text}`;
    let p = this.compiled.get(key);
    if (!p) {
      // Stored documents were validated when saved; identity documents of older versions may
      // predate a rule, so validate loosely here rather than fail every request.
      p = compilePolicy(validatePolicy(text, kind, { sizeQuota: null, requireCurrentVersion: false }), kind, id);
      if (this.compiled.size >= MAX_ENTRIES) this.compiled.clear();
      this.compiled.set(key, p);
    }
    return p;
  }

  private async load(t: StoreTx, type: EntityType, account: string, name: string): Promise<EntityPolicies | undefined> {
    const entity = await t.get<RoleDoc | UserDoc>(type === 'role' ? K.role : K.user, account, name);
    if (!entity) return undefined;
    const scope = entityScope(type, account, name);
    const policies: CompiledPolicy[] = [];
    for (const { doc } of await t.list<AttachmentDoc>(K.attached, scope)) {
      const d = await defaultDocument(t, doc.policyArn);
      if (d) policies.push(this.compile(`${d.policy.arn}:${d.version.versionId}`, d.version.document, 'identity'));
    }
    for (const { doc } of await t.list<InlinePolicyDoc>(K.inline, scope)) {
      policies.push(this.compile(`${entity.arn}:inline/${doc.policyName}`, doc.document, 'identity'));
    }
    let boundary: PolicySet | undefined;
    if (entity.permissionsBoundary) {
      const d = await defaultDocument(t, entity.permissionsBoundary);
      // A boundary whose policy is gone allows nothing, as IAM evaluates it.
      boundary = new PolicySet(d ? [this.compile(`${d.policy.arn}:${d.version.versionId}`, d.version.document, 'boundary')] : []);
    }
    return { entity, identity: new PolicySet(policies), boundary };
  }
}
