import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BlobSegment, BlobStore, StagedBlob } from '../../src/store/blob-store.js';
import { rng } from '../support/generator.js';

/**
 * The BlobStore contract, run against every implementation (test/store/blobs.test.ts).
 *
 * `open` returns a new BlobStore on the SAME backing storage every time (the same directory, the
 * same database): another replica, or the same one after a restart. `cleanup` runs once after the
 * suite.
 */
export interface BlobContractOptions {
  readonly skip?: string;
  /**
   * Present when the storage is shared by replicas (PostgreSQL): `sweep` then spares staged blobs
   * written to within `afterMs` and unreferenced committed blobs committed within it, and `age`
   * moves the last write of the given blobs (or of every staged one) `ms` further into the past,
   * in the storage itself: what an hour of waiting would do.
   */
  readonly sweepGrace?: {
    readonly afterMs: number;
    age(ids: readonly string[] | 'staged', ms: number): Promise<void>;
  };
  /** Size of the unit the bytes are stored in, when there is one (PostgreSQL chunk rows). */
  readonly chunk?: number;
}

const MiB = 1024 * 1024;

/** Deterministic bytes: the same seed gives the same bytes. */
function bytesOf(n: number, seed: number): Buffer {
  const r = rng(seed);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

async function* pieces(buf: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function readAll(blobs: BlobStore, segments: readonly BlobSegment[], start: number, end: number): Promise<Buffer> {
  const r = await blobs.read(segments, start, end);
  try {
    assert.equal(r.length, Math.max(0, end - start));
    if (r.bytes) return Buffer.from(r.bytes);
    const parts: Buffer[] = [];
    for await (const c of r.stream as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
    return Buffer.concat(parts);
  } finally {
    await r.close();
  }
}

async function committed(blobs: BlobStore, bytes: Buffer, chunk?: number): Promise<StagedBlob> {
  const s = await blobs.stage(pieces(bytes, chunk));
  await s.commit();
  return s;
}

/** Live memory (heap and buffers) after a full collection, for the bounded-memory check. */
function liveBytes(gc: () => void): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function runBlobContract(name: string, open: () => Promise<BlobStore>, cleanup: () => Promise<void>, options: BlobContractOptions = {}): void {
  if (options.skip) {
    it(`BlobStore contract: ${name}`, { skip: options.skip }, () => undefined);
    return;
  }
  const CHUNK = options.chunk ?? MiB;
  describe(`BlobStore contract: ${name}`, () => {
    after(cleanup);

    it('stage then commit: random 32-hex ids, the size streamed, the bytes back; another instance reads them', async () => {
      const blobs = await open();
      const data = bytesOf(300_000, 1);
      const a = await committed(blobs, data);
      const b = await committed(blobs, data);
      assert.match(a.id, /^[0-9a-f]{32}$/);
      assert.notEqual(a.id, b.id);
      assert.equal(a.size, data.length);
      const seg = [{ id: a.id, size: a.size }];
      assert.deepEqual(await readAll(blobs, seg, 0, data.length), data);
      assert.deepEqual(await readAll(await open(), seg, 0, data.length), data);
      // An empty body is a blob of size 0.
      const empty = await committed(blobs, Buffer.alloc(0));
      assert.equal(empty.size, 0);
      assert.equal((await readAll(blobs, [{ id: empty.id, size: 0 }], 0, 0)).length, 0);
      await blobs.remove([a.id, b.id, empty.id]);
    });

    it('a staged blob is not readable until committed; commit twice, or after discard, rejects; discard is idempotent', async () => {
      const blobs = await open();
      const data = bytesOf(2 * CHUNK + 5, 2);
      const s = await blobs.stage(pieces(data));
      const seg = [{ id: s.id, size: s.size }];
      await assert.rejects(readAll(blobs, seg, 0, 10));
      await assert.rejects(readAll(blobs, seg, 0, data.length));
      // remove() is for committed blobs: a staged one stays stageable.
      await blobs.remove([s.id]);
      await s.commit();
      await assert.rejects(s.commit(), /committed/);
      assert.deepEqual(await readAll(blobs, seg, 0, data.length), data);
      await s.discard();
      await s.discard();
      await assert.rejects(readAll(blobs, seg, 0, 10));
      await assert.rejects(readAll(blobs, seg, 0, data.length));
      const t = await blobs.stage(pieces(data));
      await t.discard();
      await assert.rejects(t.commit(), /gone/);
    });

    it('a source that fails mid-stage rejects with its error and leaves nothing to sweep', async () => {
      const blobs = await open();
      class SourceBroke extends Error {}
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield bytesOf(CHUNK + 100, 3);
        yield bytesOf(CHUNK, 4);
        throw new SourceBroke('client went away');
      }
      await assert.rejects(blobs.stage(failing()), SourceBroke);
      if (options.sweepGrace) await options.sweepGrace.age('staged', options.sweepGrace.afterMs + 60_000);
      const s = await blobs.sweep(() => true);
      assert.equal(s.temporary, 0);
    });

    it('ranges over segments and chunk boundaries: first and last byte, empty, whole, and 200 random ranges', async () => {
      const blobs = await open();
      // Segment sizes straddle chunk boundaries; one is empty and one is a single byte.
      const sizes = [2 * CHUNK + 17, 0, 1, CHUNK - 1, CHUNK, 300_001];
      const datas = sizes.map((n, i) => bytesOf(n, 10 + i));
      const staged = await Promise.all(datas.map((d) => committed(blobs, d, 100_003)));
      const segments = staged.map((s) => ({ id: s.id, size: s.size }));
      const all = Buffer.concat(datas);
      const total = all.length;
      const check = async (start: number, end: number): Promise<void> => {
        const got = await readAll(blobs, segments, start, end);
        assert.ok(got.equals(all.subarray(start, Math.max(start, end))), `range [${start}, ${end}) of ${total}`);
      };
      const edges = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 16, 2 * CHUNK + 17, 2 * CHUNK + 18, 3 * CHUNK + 17, total - 1, total];
      await check(0, 1);
      await check(total - 1, total);
      await check(0, total);
      await check(5, 5);
      await check(total, total);
      for (const a of edges) for (const b of edges) if (a <= b) await check(a, b);
      const r = rng(99);
      for (let i = 0; i < 200; i++) {
        const a = Math.floor(r() * total);
        // Half small (one statement / at once), half long (streamed).
        const len = i % 2 ? Math.floor(r() * 200_000) : Math.floor(r() * (total - a));
        await check(a, Math.min(total, a + len));
      }
      await blobs.remove(segments.map((s) => s.id));
    });

    it('a read in progress survives a concurrent remove (of its blob, by another instance); later reads fail', async () => {
      const blobs = await open();
      const other = await open();
      const data = bytesOf(4 * CHUNK + 3, 20);
      const s = await committed(blobs, data);
      const seg = [{ id: s.id, size: s.size }];
      const reads = await Promise.all([blobs.read(seg, 0, data.length), blobs.read(seg, CHUNK - 7, 3 * CHUNK + 9), blobs.read(seg, 0, 1000)]);
      const [whole, middle, small] = reads as [Awaited<ReturnType<BlobStore['read']>>, Awaited<ReturnType<BlobStore['read']>>, Awaited<ReturnType<BlobStore['read']>>];
      const it = (whole.stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      const first = await it.next();
      assert.ok(!first.done);
      await other.remove([s.id]);
      await blobs.remove([s.id]);
      const parts = [Buffer.from(first.value)];
      for (let n = await it.next(); !n.done; n = await it.next()) parts.push(Buffer.from(n.value));
      assert.ok(Buffer.concat(parts).equals(data));
      const mid: Buffer[] = [];
      for await (const c of middle.stream as AsyncIterable<Uint8Array>) mid.push(Buffer.from(c));
      assert.ok(Buffer.concat(mid).equals(data.subarray(CHUNK - 7, 3 * CHUNK + 9)));
      assert.ok(Buffer.from(small.bytes as Uint8Array).equals(data.subarray(0, 1000)));
      await Promise.all(reads.map((r) => r.close()));
      await assert.rejects(readAll(blobs, seg, 0, data.length));
      await assert.rejects(readAll(await open(), seg, 0, 1000));
    });

    it('a read closed before its end releases what it held; close is idempotent', async () => {
      const blobs = await open();
      const data = bytesOf(3 * CHUNK, 21);
      const s = await committed(blobs, data);
      const seg = [{ id: s.id, size: s.size }];
      // More abandoned reads than any pool holds connections: each must give its connection back.
      for (let i = 0; i < 25; i++) {
        const r = await blobs.read(seg, 0, data.length);
        if (i % 2) {
          for await (const c of r.stream as AsyncIterable<Uint8Array>) {
            assert.ok(c.length > 0);
            break;
          }
        }
        await r.close();
        await r.close();
      }
      assert.ok((await readAll(blobs, seg, 0, data.length)).equals(data));
      await blobs.remove([s.id]);
    });

    it('invalid ids: read rejects naming the id, remove ignores them; unknown ids: read rejects, remove ignores', async () => {
      const blobs = await open();
      for (const id of ['../../etc/passwd', 'ABCDEF0123456789ABCDEF0123456789', 'abc', '', `${'0'.repeat(31)}/`, "0'; DROP TABLE blobs; --"]) {
        await assert.rejects(blobs.read([{ id, size: 10 }], 0, 10), /not a blob id/);
        await assert.rejects(blobs.read([{ id, size: 10 * CHUNK }], 0, 10 * CHUNK), /not a blob id/);
        await blobs.remove([id]);
      }
      const unknown = '0123456789abcdef0123456789abcdef';
      await assert.rejects(blobs.read([{ id: unknown, size: 10 }], 0, 10));
      await assert.rejects(blobs.read([{ id: unknown, size: 2 * CHUNK }], 0, 2 * CHUNK));
      await blobs.remove([unknown]);
      // Metadata that claims more bytes than the blob holds is an error, not short data.
      const s = await committed(blobs, bytesOf(1000, 5));
      await assert.rejects(readAll(blobs, [{ id: s.id, size: 2000 }], 0, 2000), /shorter|EOF|metadata/);
      await blobs.remove([s.id]);
    });

    if (!options.sweepGrace) {
      it('sweep removes every staged blob and every committed blob isLive rejects, and keeps the live ones', async () => {
        const blobs = await open();
        const live = await committed(blobs, bytesOf(5000, 30));
        const dead = await committed(blobs, bytesOf(2 * CHUNK, 31));
        const staged = await blobs.stage(pieces(bytesOf(1000, 32)));
        const restarted = await open();
        const out = await restarted.sweep((id) => id === live.id);
        assert.ok(out.blobs >= 1 && out.temporary >= 1, JSON.stringify(out));
        assert.equal((await readAll(restarted, [{ id: live.id, size: live.size }], 0, live.size)).length, 5000);
        await assert.rejects(readAll(restarted, [{ id: dead.id, size: dead.size }], 0, 10));
        await assert.rejects(staged.commit());
        assert.deepEqual(await restarted.sweep((id) => id === live.id), { blobs: 0, temporary: 0 });
        await restarted.remove([live.id]);
      });
    } else {
      const grace = options.sweepGrace;
      it(`sweep spares staged blobs written within ${grace.afterMs} ms and unreferenced ones committed within it; removes them once older`, async () => {
        const blobs = await open();
        const live = await committed(blobs, bytesOf(5000, 40));
        const dead = await committed(blobs, bytesOf(2 * CHUNK, 41));
        const staged = await blobs.stage(pieces(bytesOf(1000, 42)));
        const restarted = await open();
        const isLive = (id: string): boolean => id === live.id;
        // Young: nothing goes, neither the staged blob (an upload in progress elsewhere?) nor the dead one.
        assert.deepEqual(await restarted.sweep(isLive), { blobs: 0, temporary: 0 });
        await grace.age([live.id, dead.id, staged.id], grace.afterMs - 60_000);
        assert.deepEqual(await restarted.sweep(isLive), { blobs: 0, temporary: 0 });
        await grace.age([live.id, dead.id, staged.id], 120_000);
        assert.deepEqual(await restarted.sweep(isLive), { blobs: 1, temporary: 1 });
        assert.equal((await readAll(restarted, [{ id: live.id, size: live.size }], 0, live.size)).length, 5000);
        await assert.rejects(readAll(restarted, [{ id: dead.id, size: dead.size }], 0, 10));
        await assert.rejects(readAll(restarted, [{ id: dead.id, size: dead.size }], 0, dead.size));
        await assert.rejects(staged.commit(), /gone|swept/);
        await restarted.remove([live.id]);
      });

      it('an upload in progress on one instance survives another instance starting and sweeping, then commits', async () => {
        const writer = await open();
        const sweeper = await open();
        const data = bytesOf(3 * CHUNK + 11, 43);
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let halfway!: () => void;
        const reached = new Promise<void>((r) => (halfway = r));
        async function* slow(): AsyncGenerator<Uint8Array> {
          yield data.subarray(0, 2 * CHUNK);
          halfway();
          await gate;
          yield data.subarray(2 * CHUNK);
        }
        const staging = writer.stage(slow());
        await reached;
        assert.equal((await sweeper.sweep(() => false)).temporary, 0);
        release();
        const s = await staging;
        await s.commit();
        assert.ok((await readAll(sweeper, [{ id: s.id, size: s.size }], 0, s.size)).equals(data));
        await writer.remove([s.id]);
      });

      it('an upload left untouched past the bound is swept, and its writer then fails with a clear error', async () => {
        const writer = await open();
        const sweeper = await open();
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let halfway!: () => void;
        const reached = new Promise<void>((r) => (halfway = r));
        async function* stalled(): AsyncGenerator<Uint8Array> {
          yield bytesOf(2 * CHUNK, 44);
          halfway();
          await gate;
          yield bytesOf(2 * CHUNK, 45);
        }
        const staging = writer.stage(stalled());
        await reached;
        // The writer may still be finishing its last chunk (which touches the blob): age and sweep
        // until the sweep takes it; with the source stalled, nothing touches it after that.
        let swept = 0;
        for (let round = 0; swept === 0; round++) {
          assert.ok(round < 100, 'the stalled upload was never swept');
          await grace.age('staged', grace.afterMs + 60_000);
          swept = (await sweeper.sweep(() => false)).temporary;
        }
        assert.equal(swept, 1);
        release();
        await assert.rejects(staging, /swept/);
      });
    }

    it('64 MiB streamed through stage and read with bounded memory', async () => {
      const blobs = await open();
      const gc = exposeGc();
      const TOTAL = 64 * MiB;
      const before = liveBytes(gc);
      const rssBefore = process.memoryUsage().rss;
      let peak = before;
      let rssPeak = rssBefore;
      const sample = (): void => {
        peak = Math.max(peak, liveBytes(gc));
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      };
      const inHash = createHash('sha256');
      async function* generate(): AsyncGenerator<Uint8Array> {
        const r = rng(64);
        for (let at = 0; at < TOTAL; at += 256 * 1024) {
          const b = Buffer.allocUnsafe(256 * 1024);
          for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(Math.floor(r() * 0x1_0000_0000), i);
          inHash.update(b);
          if (at % (4 * MiB) === 0) sample();
          yield b;
        }
      }
      const s = await blobs.stage(generate());
      await s.commit();
      assert.equal(s.size, TOTAL);
      const r = await blobs.read([{ id: s.id, size: s.size }], 0, TOTAL);
      const outHash = createHash('sha256');
      let n = 0;
      let seen = 0;
      for await (const c of r.stream as AsyncIterable<Uint8Array>) {
        outHash.update(c);
        n += c.length;
        if (Math.floor(n / (4 * MiB)) > seen) {
          seen = Math.floor(n / (4 * MiB));
          sample();
        }
      }
      await r.close();
      assert.equal(n, TOTAL);
      assert.equal(outHash.digest('hex'), inHash.digest('hex'));
      const growth = (peak - before) / MiB;
      const rssGrowth = (rssPeak - rssBefore) / MiB;
      console.log(`# ${name}: 64 MiB stage+read: live heap+buffers grew at most ${growth.toFixed(1)} MiB; process RSS grew ${rssGrowth.toFixed(1)} MiB`);
      assert.ok(growth < 64, `live memory grew ${growth.toFixed(1)} MiB while streaming 64 MiB`);
      await blobs.remove([s.id]);
    });
  });
}
