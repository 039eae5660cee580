import type { Decision } from '../policy/index.js';
import type { Store } from '../store/store.js';
import type { Logger } from './log.js';

/**
 * Every authorization decision a service makes, kept so that "why was request X denied?" has an
 * answer after the fact (the explainer reads it by request id). Entries are buffered and written
 * in batches (one transaction per flush, not one per request), and the log is bounded: past
 * `maxEntries` the oldest go. Request ids are time-ordered (request-id.ts), so key order is age.
 */
export interface DecisionEntry {
  readonly requestId: string;
  readonly time: string;
  /** The caller's ARN (`arn:aws:sts::…:assumed-role/…` for sessions); `anonymous` without one. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision['decision'];
  /** The policy type whose deny decided (for denials). */
  readonly deniedBy: string | undefined;
  /** The statements that decided: the Deny statements for an explicit deny, else the Allows used. */
  readonly statements: readonly { readonly policy: string; readonly policyType: string; readonly sid: string | undefined; readonly index: number }[];
  /** Per policy type, whether it allowed and why (the engine's reasons, as text). */
  readonly reasons: readonly { readonly policyType: string; readonly result: string; readonly detail: string }[];
  /** The service's own error message, when denied. */
  readonly message: string | undefined;
}

export const DECISION_KIND = 'decision';

export interface DecisionLogOptions {
  readonly maxEntries?: number;
  readonly flushMs?: number;
  readonly log?: Logger;
}

export class DecisionLog {
  private pending: DecisionEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxEntries: number;
  private readonly flushMs: number;
  private sinceTrim = 0;

  constructor(
    private readonly store: Store,
    options: DecisionLogOptions = {},
    private readonly log = options.log,
  ) {
    this.maxEntries = options.maxEntries ?? 50_000;
    this.flushMs = options.flushMs ?? 200;
  }

  record(entry: DecisionEntry): void {
    this.pending.push(entry);
    // A burst larger than the whole log would only be trimmed again.
    if (this.pending.length > this.maxEntries) this.pending.splice(0, this.pending.length - this.maxEntries);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes what is buffered; resolves when it is durable. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(() => (batch.length ? this.write(batch) : undefined));
    return this.flushing;
  }

  async get(requestId: string): Promise<DecisionEntry[]> {
    const buffered = this.pending.filter((e) => e.requestId === requestId);
    const stored = await this.store.read((t) => t.get<{ entries: DecisionEntry[] }>(DECISION_KIND, '', requestId));
    return [...(stored?.entries ?? []), ...buffered];
  }

  private async write(batch: DecisionEntry[]): Promise<void> {
    // One document per request id (a request may need several decisions: CopyObject reads and writes).
    const byId = new Map<string, DecisionEntry[]>();
    for (const e of batch) byId.set(e.requestId, [...(byId.get(e.requestId) ?? []), e]);
    try {
      await this.store.tx(async (t) => {
        for (const [id, entries] of byId) {
          const prior = await t.get<{ entries: DecisionEntry[] }>(DECISION_KIND, '', id);
          await t.put(DECISION_KIND, '', id, { entries: [...(prior?.entries ?? []), ...entries] });
        }
      });
      this.sinceTrim += byId.size;
      if (this.sinceTrim >= Math.max(100, this.maxEntries / 10)) await this.trim();
    } catch (e) {
      // The log is diagnostics: losing a batch must not fail requests that already succeeded.
      this.log?.error('decision log: a batch could not be written', e);
    }
  }

  private async trim(): Promise<void> {
    this.sinceTrim = 0;
    await this.store.tx(async (t) => {
      const excess = (await t.count(DECISION_KIND, '')) - this.maxEntries;
      if (excess <= 0) return;
      for (const old of await t.list(DECISION_KIND, '', { limit: excess })) await t.delete(DECISION_KIND, '', old.key);
    });
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
