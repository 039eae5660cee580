/**
 * Kubernetes objects in the document store. Layout (documented in docs/kube-api.md):
 * - kind `kube:<group or "core">/<plural>`, scope `objects`, key `<namespace>/<name>` for
 *   namespaced resources and `<name>` for cluster-scoped ones, so one namespace is a key prefix;
 * - kind `kube:meta`, scope `cluster`, key `resourceVersion`: `{ value }`, the one cluster-wide
 *   counter every write increments inside its transaction (etcd's revision).
 * Writes collect change events, published to the hub only after the transaction commits.
 */
import type { Store, StoreTx } from '../../store/store.js';
import type { KubeObject } from '../contracts.js';
import type { ResourceDef } from './resources.js';
import { RESOURCES, apiVersionOf } from './resources.js';
import type { ChangeEvent, WatchHub } from './watch-hub.js';

const SCOPE = 'objects';
const META = 'kube:meta';
/**
 * The change log (kept only when other processes share the store): kind `kube:changes`, scope
 * `log`, key the resourceVersion zero-padded, one document per change event, written in the
 * transaction that made the change. Other replicas read it forward to publish those changes to
 * their own watches. The last LOG_KEEP entries are kept.
 */
const LOG = 'kube:changes';
const LOG_SCOPE = 'log';
const LOG_KEEP = 5000;
const logKey = (rv: number): string => String(rv).padStart(16, '0');

interface LoggedChange {
  readonly [k: string]: unknown;
  type: ChangeEvent['type'];
  kind: string;
  object: KubeObject;
  old?: KubeObject;
  rv: number;
}

export function storeKind(r: ResourceDef): string {
  return `kube:${r.group || 'core'}/${r.plural}`;
}

export function objectKey(r: ResourceDef, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${namespace ?? ''}/${name}` : name;
}

/** Deep copy through JSON: stored documents are JSON, so is everything we hand out. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Adds kind/apiVersion (single GETs need them, kubectl fails on kind-less objects). */
export function withType(r: ResourceDef, o: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return { apiVersion: apiVersionOf(r), kind: r.kind, ...rest };
}

/** Operations inside one write transaction. */
export class Writer {
  private counter: number | undefined;
  readonly events: ChangeEvent[] = [];

  constructor(readonly t: StoreTx) {}

  private async nextRv(): Promise<number> {
    if (this.counter === undefined) {
      const doc = await this.t.get<{ value: number }>(META, 'cluster', 'resourceVersion');
      this.counter = doc?.value ?? 0;
    }
    this.counter += 1;
    return this.counter;
  }

  async flush(): Promise<void> {
    if (this.counter !== undefined) await this.t.put(META, 'cluster', 'resourceVersion', { value: this.counter });
  }

  async get(r: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const o = await this.t.get<KubeObject>(storeKind(r), SCOPE, objectKey(r, namespace, name));
    return o ? withType(r, o) : undefined;
  }

  async list(r: ResourceDef, namespace?: string): Promise<KubeObject[]> {
    const rows = await this.t.list<KubeObject>(storeKind(r), SCOPE, r.namespaced && namespace ? { prefix: `${namespace}/` } : {});
    return rows.map((x) => withType(r, x.doc));
  }

  /** Inserts with a fresh resourceVersion; false when the name is taken. */
  async create(r: ResourceDef, o: KubeObject): Promise<boolean> {
    const meta = o.metadata ?? {};
    const key = objectKey(r, meta.namespace, meta.name ?? '');
    if (await this.t.get(storeKind(r), SCOPE, key)) return false;
    const rv = await this.nextRv();
    const stored = withType(r, { ...o, metadata: { ...meta, resourceVersion: String(rv) } });
    await this.t.insert(storeKind(r), SCOPE, key, stored);
    this.events.push({ type: 'ADDED', resource: r, object: stored, rv });
    return true;
  }

  async update(r: ResourceDef, o: KubeObject, old: KubeObject): Promise<KubeObject> {
    const meta = o.metadata ?? {};
    const rv = await this.nextRv();
    const stored = withType(r, { ...o, metadata: { ...meta, resourceVersion: String(rv) } });
    await this.t.put(storeKind(r), SCOPE, objectKey(r, meta.namespace, meta.name ?? ''), stored);
    this.events.push({ type: 'MODIFIED', resource: r, object: stored, old, rv });
    return stored;
  }

  async delete(r: ResourceDef, old: KubeObject): Promise<KubeObject> {
    const meta = old.metadata ?? {};
    await this.t.delete(storeKind(r), SCOPE, objectKey(r, meta.namespace, meta.name ?? ''));
    const rv = await this.nextRv();
    const gone = withType(r, { ...old, metadata: { ...meta, resourceVersion: String(rv) } });
    this.events.push({ type: 'DELETED', resource: r, object: gone, old, rv });
    return gone;
  }
}

export class Repository {
  /** With a change log: the last resourceVersion read back from it, and local ones not yet passed. */
  private cursor = 0;
  private readonly local = new Set<number>();
  private catching: Promise<void> | undefined;
  private again = false;

  constructor(
    readonly store: Store,
    readonly hub: WatchHub,
    private readonly options: { readonly changeLog?: boolean } = {},
  ) {}

  /** Runs `fn` in one transaction; its change events reach the hub after commit. */
  async write<T>(fn: (w: Writer) => Promise<T>): Promise<T> {
    let writer: Writer | undefined;
    const out = await this.store.tx(async (t) => {
      writer = new Writer(t); // a retried attempt starts over
      const v = await fn(writer);
      await writer.flush();
      if (this.options.changeLog) await appendLog(t, writer.events);
      return v;
    });
    if (writer && writer.events.length > 0) {
      if (this.options.changeLog) for (const e of writer.events) if (e.rv > this.cursor) this.local.add(e.rv);
      this.hub.publish(writer.events);
    }
    return out;
  }

  /** Starts reading the change log after `rv` (the resourceVersion the hub starts at). */
  startLogAt(rv: number): void {
    this.cursor = Math.max(this.cursor, rv);
  }

  /**
   * Publishes, as remote events, the changes other processes committed since the last call (read
   * from the change log). Calls made while one runs are coalesced into one more run.
   */
  catchUp(): Promise<void> {
    if (!this.options.changeLog) return Promise.resolve();
    if (this.catching) {
      this.again = true;
      return this.catching;
    }
    this.catching = (async () => {
      try {
        do {
          this.again = false;
          await this.readLog();
        } while (this.again);
      } finally {
        this.catching = undefined;
      }
    })();
    return this.catching;
  }

  private async readLog(): Promise<void> {
    for (;;) {
      const rows = await this.store.read((t) => t.list<LoggedChange>(LOG, LOG_SCOPE, { after: logKey(this.cursor), limit: 500 }));
      if (rows.length === 0) return;
      const events: ChangeEvent[] = [];
      for (const { doc } of rows) {
        const resource = RESOURCES.find((r) => storeKind(r) === doc.kind);
        if (resource && !this.local.has(doc.rv)) {
          events.push({ type: doc.type, resource, object: doc.object, ...(doc.old ? { old: doc.old } : {}), rv: doc.rv, remote: true });
        }
        this.local.delete(doc.rv);
        this.cursor = Math.max(this.cursor, doc.rv);
      }
      for (const rv of this.local) if (rv <= this.cursor) this.local.delete(rv);
      if (events.length > 0) this.hub.publish(events);
      if (rows.length < 500) return;
    }
  }

  async get(r: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.store.read((t) => new Writer(t).get(r, namespace, name));
  }

  /** Objects and the resourceVersion of the snapshot they were read at. */
  async list(r: ResourceDef, namespace?: string): Promise<{ items: KubeObject[]; resourceVersion: number }> {
    return this.store.read(async (t) => {
      const items = await new Writer(t).list(r, namespace);
      const doc = await t.get<{ value: number }>(META, 'cluster', 'resourceVersion');
      return { items, resourceVersion: doc?.value ?? 0 };
    });
  }

  async currentResourceVersion(): Promise<number> {
    return this.store.read(async (t) => (await t.get<{ value: number }>(META, 'cluster', 'resourceVersion'))?.value ?? 0);
  }
}

/** Appends a transaction's change events to the change log, trimming it every 100 resourceVersions. */
async function appendLog(t: StoreTx, events: readonly ChangeEvent[]): Promise<void> {
  for (const e of events) {
    await t.put(LOG, LOG_SCOPE, logKey(e.rv), { type: e.type, kind: storeKind(e.resource), object: e.object, ...(e.old ? { old: e.old } : {}), rv: e.rv } satisfies LoggedChange);
  }
  const last = events[events.length - 1];
  if (last && events.some((e) => e.rv % 100 === 0)) {
    for (const { key } of await t.list(LOG, LOG_SCOPE, { limit: 200 })) {
      if (Number(key) > last.rv - LOG_KEEP) break;
      await t.delete(LOG, LOG_SCOPE, key);
    }
  }
}
