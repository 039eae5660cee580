import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { blobSlices, type BlobRead, type BlobSegment, type BlobSlice, type BlobStore, type StagedBlob } from './blob-store.js';
import { CACHE_ITEM_MAX, SmallBlobCache } from './blob-cache.js';

/**
 * Blobs as files: `<root>/blobs/<id>` (32 hex characters of randomness; a client's key never
 * reaches a path) and `<root>/tmp/<id>` while staging. See blob-store.ts for the protocol.
 *
 * Blobs are immutable and ids are never reused, so small ones are cached in memory by id: a
 * GetObject of a 4 KiB object then touches no file at all (bounded: 64 KiB per blob, 32 MiB in
 * all, least recently used first out).
 */
const ID = /^[0-9a-f]{32}$/;
const READ_CHUNK = 256 * 1024;
const SMALL_READ = 256 * 1024;

export class FsBlobStore implements BlobStore {
  private readonly blobDir: string;
  private readonly tmpDir: string;
  private readonly cache = new SmallBlobCache();

  constructor(root: string) {
    this.blobDir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  async stage(source: AsyncIterable<Uint8Array>): Promise<StagedBlob> {
    const id = randomBytes(16).toString('hex');
    const tmp = join(this.tmpDir, id);
    const final = join(this.blobDir, id);
    const fh = await open(tmp, 'wx', 0o600);
    let size = 0;
    let small: Uint8Array[] | undefined = [];
    try {
      for await (const chunk of source) {
        if (chunk.length === 0) continue;
        await writeAll(fh, chunk);
        size += chunk.length;
        if (small) {
          // A copy: the producer may reuse its buffer once this write resolves.
          if (size <= CACHE_ITEM_MAX) small.push(Buffer.from(chunk));
          else small = undefined;
        }
      }
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    let state: 'staged' | 'committed' | 'gone' = 'staged';
    const bytes = small ? Buffer.concat(small) : undefined;
    return {
      id,
      size,
      commit: async () => {
        if (state !== 'staged') throw new Error(`blob ${id} is ${state}`);
        await rename(tmp, final);
        state = 'committed';
        await syncDir(this.blobDir);
        if (bytes) this.cache.remember(id, bytes);
      },
      discard: async () => {
        if (state === 'gone') return;
        const path = state === 'staged' ? tmp : final;
        state = 'gone';
        this.cache.forget(id);
        await unlink(path).catch(ignoreMissing);
      },
    };
  }

  async read(segments: readonly BlobSegment[], start: number, end: number): Promise<BlobRead> {
    const length = Math.max(0, end - start);
    const parts = blobSlices(segments, start, end);
    if (length === 0) return { length, bytes: new Uint8Array(0), stream: undefined, close: async () => undefined };
    // Whole small blobs from the cache: no file opened.
    if (parts.length === 1) {
      const p = parts[0] as BlobSlice;
      const hit = this.cache.slice(p.id, p.from, p.to);
      if (hit) return { length, bytes: hit, stream: undefined, close: async () => undefined };
    }
    const handles: FileHandle[] = [];
    try {
      for (const p of parts) {
        if (!ID.test(p.id)) throw new Error(`not a blob id: ${p.id}`);
        handles.push(await open(join(this.blobDir, p.id), 'r'));
      }
    } catch (e) {
      await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
      throw e;
    }
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
    };
    if (length <= SMALL_READ) {
      try {
        const out = Buffer.allocUnsafe(length);
        let at = 0;
        for (let i = 0; i < parts.length; i++) at += await readFully(handles[i] as FileHandle, out, at, parts[i] as BlobSlice);
        if (at !== length) throw new Error(`blob shorter than its metadata (${at} of ${length} bytes)`);
        const p = parts[0] as BlobSlice;
        if (parts.length === 1 && p.from === 0 && p.to === p.size && p.size <= CACHE_ITEM_MAX) this.cache.remember(p.id, out);
        return { length, bytes: out, stream: undefined, close: async () => undefined };
      } finally {
        await close();
      }
    }
    async function* stream(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i] as BlobSlice;
          const fh = handles[i] as FileHandle;
          let pos = p.from;
          while (pos < p.to) {
            const want = Math.min(READ_CHUNK, p.to - pos);
            const buf = Buffer.allocUnsafe(want);
            const { bytesRead } = await fh.read(buf, 0, want, pos);
            if (bytesRead === 0) throw new Error(`blob ${p.id} is shorter than its metadata`);
            pos += bytesRead;
            yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
          }
        }
      } finally {
        await close();
      }
    }
    return { length, bytes: undefined, stream: stream(), close };
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (!ID.test(id)) continue;
      this.cache.forget(id);
      await unlink(join(this.blobDir, id)).catch(ignoreMissing);
    }
  }

  async sweep(isLive: (id: string) => boolean): Promise<{ blobs: number; temporary: number }> {
    let temporary = 0;
    for (const name of await readdir(this.tmpDir)) {
      await unlink(join(this.tmpDir, name)).catch(ignoreMissing);
      temporary++;
    }
    let blobs = 0;
    for (const name of await readdir(this.blobDir)) {
      if (ID.test(name) && isLive(name)) continue;
      this.cache.forget(name);
      await unlink(join(this.blobDir, name)).catch(ignoreMissing);
      blobs++;
    }
    if (blobs) await syncDir(this.blobDir);
    return { blobs, temporary };
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

async function readFully(fh: FileHandle, out: Buffer, at: number, p: BlobSlice): Promise<number> {
  let pos = p.from;
  let n = 0;
  while (pos < p.to) {
    const { bytesRead } = await fh.read(out, at + n, p.to - pos, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    n += bytesRead;
  }
  return n;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}
