/**
 * The ServiceAccount cache `irsa webhook` fills from an informer, with the fix for upstream #174:
 * a miss asks the API (a live GET) before giving up, so a ServiceAccount created just before its
 * pod is found even when its watch event has not arrived yet. Upstream only does that with
 * `--service-account-lookup-grace-period` > 0, which defaults to 0 (§2.3).
 *
 * Here the grace period is extra: after a GET that finds nothing, wait up to that long for the
 * informer to deliver the ServiceAccount.
 */
import type { KubeObject, ServiceAccountLookup } from '../contracts.js';

export interface ServiceAccountCacheOptions {
  /** The live GET; resolves undefined on NotFound and rejects on other errors. */
  readonly fetch?: ServiceAccountLookup;
  /** Upstream gives its API fallback one second. */
  readonly fetchTimeoutMs?: number;
  /** `--service-account-lookup-grace-period`, in milliseconds (0: no waiting). */
  readonly graceMs?: number;
  /** Keep only annotations under this prefix (upstream's informer transform, to save memory). */
  readonly annotationPrefix?: string;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

export class ServiceAccountCache implements ServiceAccountLookup {
  private readonly entries = new Map<string, KubeObject>();
  private readonly inflight = new Map<string, Promise<KubeObject | undefined>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly options: ServiceAccountCacheOptions;

  constructor(options: ServiceAccountCacheOptions = {}) {
    this.options = options;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces a ServiceAccount (informer add/update, or a successful GET). */
  upsert(sa: KubeObject): void {
    const name = sa.metadata?.name;
    if (!name) return;
    const k = key(sa.metadata?.namespace ?? '', name);
    this.entries.set(k, this.strip(sa));
    const waiting = this.waiters.get(k);
    if (waiting) for (const wake of waiting) wake();
  }

  remove(namespace: string, name: string): void {
    this.entries.delete(key(namespace, name));
  }

  /** The cached entry only: no GET, no waiting. */
  peek(namespace: string, name: string): KubeObject | undefined {
    return this.entries.get(key(namespace, name));
  }

  async get(namespace: string, name: string): Promise<KubeObject | undefined> {
    if (name === '') return undefined; // never turn a missing name into a list call
    const k = key(namespace, name);
    const hit = this.entries.get(k);
    if (hit) return hit;
    const grace = this.options.graceMs ?? 0;
    if (this.options.fetch) {
      try {
        const fetched = await this.fetchOnce(k, namespace, name);
        if (fetched) return fetched;
      } catch (e) {
        // With a grace period the informer may still deliver it; without one the caller decides.
        if (grace <= 0) throw e;
      }
    }
    return grace > 0 ? this.waitFor(k, grace) : this.entries.get(k);
  }

  /** One GET per key at a time, whatever the number of pods waiting for it. */
  private fetchOnce(k: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    const running = this.inflight.get(k);
    if (running) return running;
    const fetch = this.options.fetch as ServiceAccountLookup;
    const timeoutMs = this.options.fetchTimeoutMs ?? 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const p = Promise.race([
      fetch.get(namespace, name),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`GET serviceaccount ${k} timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ])
      .then((sa) => {
        if (sa) this.upsert(sa);
        return sa ? this.entries.get(k) : undefined;
      })
      .finally(() => {
        clearTimeout(timer);
        this.inflight.delete(k);
      });
    this.inflight.set(k, p);
    return p;
  }

  private waitFor(k: string, ms: number): Promise<KubeObject | undefined> {
    const hit = this.entries.get(k);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const set = this.waiters.get(k) ?? new Set<() => void>();
      this.waiters.set(k, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(k);
        resolve(this.entries.get(k));
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private strip(sa: KubeObject): KubeObject {
    const prefix = this.options.annotationPrefix;
    const meta = sa.metadata ?? {};
    const annotations = Object.fromEntries(Object.entries(meta.annotations ?? {}).filter(([k]) => prefix === undefined || k.startsWith(`${prefix}/`)));
    return {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: meta.name, namespace: meta.namespace, resourceVersion: meta.resourceVersion, annotations },
    };
  }
}
