import type { Store } from '../store/store.js';
import type { Logger } from './log.js';

/**
 * Whether this replica can reach its store. A ping every `intervalMs` (and one at once after a
 * request failed) decides; while the store is unreachable the server answers every AWS and
 * Kubernetes request 503 instead of answering from stale caches, and it recovers by itself when a
 * ping succeeds again (`onRecovered` then runs, so caches and watches catch up on what they may
 * have missed). A ping that takes longer than `timeoutMs` counts as a failure.
 */
export class StoreHealth {
  private ok = true;
  private lastError: string | undefined;
  private since = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: { intervalMs?: number; timeoutMs?: number; onRecovered?: () => void } = {},
  ) {}

  get available(): boolean {
    return this.ok;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Pings now (one ping at a time); resolves once the state is up to date. */
  check(): Promise<void> {
    this.checking ??= this.ping().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.store.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs ?? 3000} ms`)), this.options.timeoutMs ?? 3000);
        }),
      ]);
      if (!this.ok) {
        this.ok = true;
        this.since = Date.now();
        this.lastError = undefined;
        this.log.info(`store: reachable again; serving requests`);
        try {
          this.options.onRecovered?.();
        } catch (e) {
          this.log.error('store: catching up after the outage failed', e);
        }
      }
    } catch (e) {
      // The message names the failure, never the connection string (the store redacts it).
      this.lastError = e instanceof Error ? e.message : String(e);
      if (this.ok) {
        this.ok = false;
        this.since = Date.now();
        this.log.error(`store: unreachable (${this.lastError}); answering 503 until it is back`);
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** The health endpoint's body. */
  report(): { status: 'ok' | 'unavailable'; store: string; storeReachable: boolean; since: string; error?: string } {
    return {
      status: this.ok ? 'ok' : 'unavailable',
      store: this.store.backend,
      storeReachable: this.ok,
      since: new Date(this.since).toISOString(),
      ...(this.lastError && !this.ok ? { error: this.lastError } : {}),
    };
  }
}
