import type { Decision } from '../policy/index.js';
import type { Store } from '../store/store.js';
import type { Logger } from './log.js';
import { newRequestId } from './request-id.js';

/**
 * Every authorization decision a service makes, kept so that "why was request X denied?" has an
 * answer after the fact (the explainer reads it by request id).
 *
 * Cost matters: every authorized request records at least one entry, so a row per entry would
 * cost more than the policy evaluation itself. Entries are buffered and written as batch
 * documents (up to BATCH_ENTRIES each, one insert per batch), keyed by a time-ordered id taken at
 * flush time. An index document lists the batches in order with their entry counts; it is
 * updated in the same transaction, so the log stays bounded (past `maxEntries` whole batches go,
 * oldest first) and a lookup reads only batches flushed at or after the request started (request
 * ids are UUIDv7, request-id.ts: their first 48 bits are the start time).
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
  /** For denials, per policy type, whether it allowed and why (the engine's reasons, as text); empty for an allow. */
  readonly reasons: readonly { readonly policyType: string; readonly result: string; readonly detail: string }[];
  /** The service's own error message, when denied. */
  readonly message: string | undefined;
}

export const DECISION_BATCH_KIND = 'decisionBatch';
export const DECISION_INDEX_KIND = 'decisionIndex';
const INDEX_KEY = 'index';

/** Entries per batch document: bounded documents (an entry is at most a few KiB) and few inserts. */
const BATCH_ENTRIES = 256;
/** A request's decisions are recorded while it runs; a lookup stops this long after the last one it found. */
const LOOKUP_TAIL_MS = 60_000;

interface BatchDoc {
  readonly entries: DecisionEntry[];
  [k: string]: unknown;
}
interface IndexDoc {
  /** [batch key, entries] oldest first. */
  readonly batches: [string, number][];
  [k: string]: unknown;
}

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

  /** The decisions recorded for a request, in the order they were made; [] when unknown or trimmed. */
  async get(requestId: string): Promise<DecisionEntry[]> {
    const buffered = this.pending.filter((e) => e.requestId === requestId);
    const started = requestTimeMs(requestId);
    if (started === undefined) return buffered;
    const from = batchKeyAt(started);
    const found: DecisionEntry[] = [];
    await this.store.read(async (t) => {
      const index = await t.get<IndexDoc>(DECISION_INDEX_KIND, '', INDEX_KEY);
      const batches = index?.batches ?? [];
      // The batch open when the request started may hold it (batches fill over time), then every later one.
      let first = batches.findIndex(([key]) => key >= from);
      first = first < 0 ? batches.length - 1 : Math.max(0, first - 1);
      let lastFound: number | undefined;
      for (let i = Math.max(0, first); i < batches.length; i++) {
        const key = (batches[i] as [string, number])[0];
        if (lastFound !== undefined && (requestTimeMs(key) ?? 0) > lastFound + LOOKUP_TAIL_MS) break;
        const batch = await t.get<BatchDoc>(DECISION_BATCH_KIND, '', key);
        for (const e of batch?.entries ?? []) {
          if (e.requestId !== requestId) continue;
          found.push(e);
          lastFound = Date.parse(e.time);
        }
      }
    });
    return [...found, ...buffered];
  }

  private async write(all: DecisionEntry[]): Promise<void> {
    try {
      for (let i = 0; i < all.length; i += BATCH_ENTRIES) {
        // Between batches the event loop runs: requests are not held up by a large flush.
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const entries = all.slice(i, i + BATCH_ENTRIES);
        await this.store.tx(async (t) => {
          const index = (await t.get<IndexDoc>(DECISION_INDEX_KIND, '', INDEX_KEY)) ?? { batches: [] };
          const batches = index.batches.map(([k, n]) => [k, n] as [string, number]);
          const last = batches.at(-1);
          const tail = last && last[1] + entries.length <= BATCH_ENTRIES ? await t.get<BatchDoc>(DECISION_BATCH_KIND, '', last[0]) : undefined;
          if (last && tail) {
            // A light load flushes a few entries at a time: they fill the newest batch rather than
            // each making one (so the index stays small and the bound counts entries, not flushes).
            await t.put(DECISION_BATCH_KIND, '', last[0], { entries: [...tail.entries, ...entries] });
            last[1] = tail.entries.length + entries.length;
          } else {
            const key = newRequestId();
            await t.put(DECISION_BATCH_KIND, '', key, { entries });
            batches.push([key, entries.length]);
            // Another replica may have flushed a later key first; the index stays in key order.
            batches.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
          }
          let total = batches.reduce((n, [, c]) => n + c, 0);
          while (total > this.maxEntries && batches.length > 1) {
            const [old, n] = batches.shift() as [string, number];
            await t.delete(DECISION_BATCH_KIND, '', old);
            total -= n;
          }
          await t.put(DECISION_INDEX_KIND, '', INDEX_KEY, { batches });
        });
      }
    } catch (e) {
      // The log is diagnostics: losing a batch must not fail requests that already succeeded.
      this.log?.error('decision log: a batch could not be written', e);
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/** The start time in a UUIDv7 request id (its first 48 bits), or undefined for any other string. */
function requestTimeMs(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** The smallest batch key that a batch flushed at or after `ms` can have. */
function batchKeyAt(ms: number): string {
  const hex = Math.max(0, ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}
