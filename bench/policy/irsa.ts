import type { CompiledPolicy, DecisionKind, PolicyKind, PolicySet, PolicySets } from '../../src/policy/index.js';
import type { BenchCase, ContextEntry } from './corpus.js';
import type { Engine } from './engine.js';
import type { NamedDoc } from './policies.js';

/**
 * irsa-local as the product uses it: each policy document is validated and compiled once (per
 * policy version), each principal's policies are indexed into a PolicySet once, and every request
 * is decided against those.
 */
export interface IrsaCase {
  readonly caller: string;
  readonly action: string;
  readonly resource: string;
  readonly context: readonly ContextEntry[];
  readonly sets: PolicySets;
}

export class IrsaEngine {
  private readonly compiled = new Map<string, CompiledPolicy>();
  private readonly sets = new Map<string, PolicySet>();
  /**
   * One decision for a request as it arrives: the caller's ARN is parsed and the request context
   * built from its entries (both counted in the time), then authorized against compiled sets.
   */
  readonly decide: (c: IrsaCase) => DecisionKind;

  constructor(private readonly engine: Engine) {
    const { principalFromString, RequestContext, authorize } = engine.policy;
    this.decide = (c) => {
      const principal = principalFromString(c.caller);
      if (!principal) throw new Error(`bad caller ${c.caller}`);
      const context = new RequestContext(c.context);
      return authorize({ principal, action: c.action, resource: c.resource, context }, c.sets).decision;
    };
  }

  compile(p: NamedDoc, kind: PolicyKind): CompiledPolicy {
    const key = `${kind}\u0000${p.id}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = this.engine.policy.loadPolicy(p.doc as never, kind, p.id);
      this.compiled.set(key, c);
    }
    return c;
  }

  set(docs: readonly NamedDoc[], kind: PolicyKind): PolicySet {
    const key = `${kind}\u0000${docs.map((d) => d.id).join('\u0001')}`;
    let s = this.sets.get(key);
    if (!s) {
      s = new this.engine.policy.PolicySet(docs.map((d) => this.compile(d, kind)));
      this.sets.set(key, s);
    }
    return s;
  }

  prepare(c: BenchCase): IrsaCase {
    const trust = c.resourcePolicyKind === 'trust';
    const sets: PolicySets = {
      identity: this.set(c.identity, 'identity'),
      boundary: c.boundary ? this.set([c.boundary], 'boundary') : undefined,
      resource: c.resourcePolicy ? this.set([c.resourcePolicy], trust ? 'trust' : 'resource') : undefined,
      resourceAccount: c.resourceAccount,
      scp: c.scp?.map((level) => this.set(level, 'scp')),
      resourcePolicyRequired: trust,
    };
    return { caller: c.caller, action: c.action, resource: c.resource, context: c.context, sets };
  }
}
