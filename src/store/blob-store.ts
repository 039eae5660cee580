/**
 * Where object bytes live: large immutable blobs named by random ids, never by anything a client
 * chose. Metadata that points at blobs lives in the Store; the protocol that keeps the two
 * consistent across crashes is:
 *
 *   1. `stage` streams the bytes to a temporary file and fsyncs it;
 *   2. `commit` renames it to its id and fsyncs the directory — the blob now survives a crash,
 *      but nothing refers to it yet;
 *   3. the caller commits the metadata naming the blob in one Store transaction;
 *   4. blobs the metadata no longer names (an overwritten object's) are removed after that commit.
 *
 * A crash between 2 and 3 or before 4 leaves an unreferenced blob; `sweep` at startup removes
 * those, and every temporary file, before the first request is served.
 */
export interface BlobSegment {
  readonly id: string;
  readonly size: number;
}

export interface StagedBlob {
  readonly id: string;
  readonly size: number;
  /** Makes the blob durable under its id (rename, then directory fsync). */
  commit(): Promise<void>;
  /** Removes the blob, staged or committed; safe to call more than once. */
  discard(): Promise<void>;
}

/** A read in progress: the bytes as a stream, with the files already open (a concurrent delete cannot cut it short). */
export interface BlobRead {
  readonly length: number;
  /** Small reads are read at once: the bytes, and no stream to close. */
  readonly bytes: Uint8Array | undefined;
  readonly stream: AsyncIterable<Uint8Array> | undefined;
  /** Releases the open files; idempotent, and implied by consuming the stream to its end. */
  close(): Promise<void>;
}

export interface BlobStore {
  /** Writes `source` to a new temporary blob, fsynced; the caller commits or discards it. */
  stage(source: AsyncIterable<Uint8Array>): Promise<StagedBlob>;
  /** Bytes `start` (inclusive) to `end` (exclusive) of the concatenation of `segments`. */
  read(segments: readonly BlobSegment[], start: number, end: number): Promise<BlobRead>;
  /** Removes committed blobs; ids that do not exist are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** Removes every temporary file and every blob `isLive` rejects; run before serving. */
  sweep(isLive: (id: string) => boolean): Promise<{ readonly blobs: number; readonly temporary: number }>;
}

/** The part of one segment a read needs: bytes `from`..`to` of blob `id` (of `size`). */
export interface BlobSlice {
  readonly id: string;
  readonly size: number;
  readonly from: number;
  readonly to: number;
}

/** The parts of each segment that fall in [start, end). */
export function blobSlices(segments: readonly BlobSegment[], start: number, end: number): BlobSlice[] {
  const out: BlobSlice[] = [];
  let base = 0;
  for (const s of segments) {
    const from = Math.max(start, base);
    const to = Math.min(end, base + s.size);
    if (from < to) out.push({ id: s.id, size: s.size, from: from - base, to: to - base });
    base += s.size;
    if (base >= end) break;
  }
  return out;
}
