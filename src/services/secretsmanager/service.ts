import { createHash } from 'node:crypto';
import type { RandomBytes } from '../../aws/ids.js';
import type { SecretSealer } from '../../iam/env.js';
import type { Store, StoreTx } from '../../store/store.js';
import { requireAllowed, ResourcePolicies, secretContext, type Authorize, type ContextEntry } from './authorization.js';
import { smErrors } from './errors.js';
import { parseSecretId, unresolvedResource, type SecretRef, type Where } from './ids.js';
import type { SecretDoc } from './model.js';
import { PageTokens } from './pagination.js';
import { findSecret, getByName, isExpired, purgeSecret, saveSecret, ValueSealer } from './secrets.js';

/**
 * What Secrets Manager operations run with, and the steps most of them share: resolve the
 * SecretId, authorize against the secret (or what the caller named when nothing matches, so a
 * caller without permission learns nothing), then change the secret in one transaction.
 */
export interface SmDeps {
  readonly store: Store;
  readonly now: () => Date;
  readonly random: RandomBytes;
  readonly sealer: SecretSealer;
  readonly partition: string;
  readonly account: string;
}

/** Per request: the region the request was signed for (secrets are regional) and authorization. */
export interface SmCall {
  readonly region: string;
  readonly authorize: Authorize;
}

export type Input = Readonly<Record<string, unknown>>;
export type Output = Record<string, unknown>;

export interface Located {
  readonly where: Where;
  readonly ref: SecretRef;
  readonly doc: SecretDoc | undefined;
  /** The secret's ARN, or what the caller named when no secret matches. */
  readonly resource: string;
}

export class SecretsManager {
  readonly values: ValueSealer;
  readonly policies = new ResourcePolicies();
  readonly tokens: PageTokens;

  constructor(readonly deps: SmDeps) {
    this.values = new ValueSealer(deps.sealer);
    this.tokens = new PageTokens(deps.sealer);
  }

  nowMs(): number {
    return this.deps.now().getTime();
  }

  where(call: SmCall): Where {
    return { partition: this.deps.partition, region: call.region, account: this.deps.account };
  }

  /** Resolves a SecretId (purging a secret whose recovery window has passed); no authorization yet. */
  async find(call: SmCall, secretId: string): Promise<Located> {
    const where = this.where(call);
    const ref = parseSecretId(secretId, where);
    let doc = await this.deps.store.read((t) => findSecret(t, where, ref));
    if (doc && isExpired(doc, this.nowMs())) {
      await this.purgeExpired(where, doc);
      doc = undefined;
    }
    return { where, ref, doc, resource: doc?.arn ?? unresolvedResource(ref, where) };
  }

  /** Authorizes `action` on what `loc` names, with its resource policy and condition keys. */
  async authorize(call: SmCall, loc: Located, action: string, extra: readonly ContextEntry[] = []): Promise<void> {
    await requireAllowed(call.authorize, {
      action: `secretsmanager:${action}`,
      resource: loc.resource,
      shownResource: loc.ref.given,
      resourcePolicy: this.policies.forSecret(loc.doc),
      context: [...secretContext(loc.doc, loc.resource), ...extra],
    });
  }

  /** find + authorize + the secret must exist. */
  async locate(call: SmCall, secretId: string, action: string, extra: readonly ContextEntry[] = []): Promise<Located & { doc: SecretDoc }> {
    const loc = await this.find(call, secretId);
    await this.authorize(call, loc, action, extra);
    if (!loc.doc) throw smErrors.notFound();
    return loc as Located & { doc: SecretDoc };
  }

  /**
   * Changes a secret in one transaction: `fn` gets the current document (the one authorized, or
   * its successor under the same ARN) and saves it unless it returns `{ save: false }`.
   */
  async mutate<T>(loc: Located & { doc: SecretDoc }, fn: (doc: SecretDoc, t: StoreTx) => Promise<T> | T): Promise<T> {
    return this.deps.store.tx(async (t) => {
      const doc = await getByName(t, loc.where, loc.doc.name);
      if (!doc || doc.arn !== loc.doc.arn || isExpired(doc, this.nowMs())) throw smErrors.notFound();
      const out = await fn(doc, t);
      await saveSecret(t, loc.where, doc);
      return out;
    });
  }

  async purgeExpired(where: Where, doc: SecretDoc): Promise<void> {
    await this.deps.store.tx(async (t) => {
      const cur = await getByName(t, where, doc.name);
      if (cur && cur.arn === doc.arn && isExpired(cur, this.nowMs())) await purgeSecret(t, where, cur);
    });
  }
}

/** A short digest naming a query, for page tokens. */
export function queryDigest(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}
