/**
 * Small immutable blobs kept in memory by id, least recently used out first: blobs never change
 * and ids are never reused, so a cached blob is as good as reading it (one copy per process, safe
 * across replicas). Bounded: CACHE_ITEM_MAX per blob, CACHE_TOTAL_MAX in all.
 */
export const CACHE_ITEM_MAX = 64 * 1024;
export const CACHE_TOTAL_MAX = 32 * 1024 * 1024;

export class SmallBlobCache {
  private readonly cache = new Map<string, Uint8Array>();
  private cached = 0;

  /** The bytes `from`..`to` of a cached blob; undefined when not cached, or when the range runs past the blob (the metadata disagrees: let the real read fail). */
  slice(id: string, from: number, to: number): Uint8Array | undefined {
    const hit = this.cache.get(id);
    if (!hit || to > hit.length) return undefined;
    this.cache.delete(id);
    this.cache.set(id, hit);
    return hit.subarray(from, to);
  }

  remember(id: string, bytes: Uint8Array): void {
    if (bytes.length > CACHE_ITEM_MAX || this.cache.has(id)) return;
    this.cache.set(id, bytes);
    this.cached += bytes.length;
    for (const [oldId, old] of this.cache) {
      if (this.cached <= CACHE_TOTAL_MAX) break;
      this.cache.delete(oldId);
      this.cached -= old.length;
    }
  }

  forget(id: string): void {
    const hit = this.cache.get(id);
    if (!hit) return;
    this.cache.delete(id);
    this.cached -= hit.length;
  }
}
