/**
 * The in-process change feed behind `watch=true` and the controllers. Every committed write is
 * published here in resourceVersion order; a bounded history lets a watch resume from a recent
 * resourceVersion, and older ones get 410 Expired as from kube-apiserver's watch cache.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
 */
import type { KubeObject } from '../contracts.js';
import type { ResourceDef } from './resources.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  readonly type: ChangeType;
  readonly resource: ResourceDef;
  readonly object: KubeObject;
  /** The object before a MODIFIED/DELETED, for selector transitions. */
  readonly old?: KubeObject;
  readonly rv: number;
  /** Committed by another process sharing the store (read back from the change log), not by this one. */
  readonly remote?: boolean;
}

export type ChangeListener = (e: ChangeEvent) => void;

const HISTORY = 20_000;

export class WatchHub {
  private readonly history: ChangeEvent[] = [];
  private readonly listeners = new Set<ChangeListener>();
  /** Events after this resourceVersion are all in `history` (the counter when we started, or the oldest trimmed). */
  private floor = 0;

  setFloor(rv: number): void {
    this.floor = Math.max(this.floor, rv);
  }

  publish(events: readonly ChangeEvent[]): void {
    for (const e of events) {
      // Transactions commit in counter order, so this is nearly always an append.
      let i = this.history.length;
      while (i > 0 && (this.history[i - 1] as ChangeEvent).rv > e.rv) i--;
      this.history.splice(i, 0, e);
    }
    while (this.history.length > HISTORY) this.floor = (this.history.shift() as ChangeEvent).rv;
    for (const e of events) for (const l of [...this.listeners]) l(e);
  }

  subscribe(l: ChangeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Events with rv > `rv`, or 'expired' when some of them are no longer known. */
  since(rv: number): ChangeEvent[] | 'expired' {
    if (rv < this.floor) return 'expired';
    return this.history.filter((e) => e.rv > rv);
  }

  get oldest(): number {
    return this.floor;
  }
}
