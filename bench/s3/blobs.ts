/**
 * Blob store throughput: PUT (stage + commit) and GET (read whole, and 1 MiB ranges) of a 64 MiB
 * object through FsBlobStore (files, fsync) and PgBlobStore (chunk rows in PostgreSQL), in
 * process, the median of interleaved rounds. Prints a markdown table.
 *
 *   node --import tsx bench/s3/blobs.ts [--mib N] [--rounds N]
 *
 * PostgreSQL is IRSA_PG_URL when set, else a throwaway server from test/support/postgres.ts —
 * which runs with fsync=off and synchronous_commit=off (a test server): its PUT figure is then
 * an upper bound, the file store's includes an fsync.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BlobStore } from '../../src/store/blob-store.js';
import { FsBlobStore } from '../../src/store/blobs.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { startTestPostgres } from '../../test/support/postgres.js';
import { markdownTable } from '../lib/table.js';

const { values } = parseArgs({ options: { mib: { type: 'string' }, rounds: { type: 'string' } } });
const MiB = 1024 * 1024;
const SIZE = Number(values.mib ?? 64) * MiB;
const ROUNDS = Number(values.rounds ?? 5);
// Incompressible bytes, generated once: the source costs nothing during the timed part.
const POOL = randomBytes(4 * MiB);

async function* source(): AsyncGenerator<Uint8Array> {
  // 64 KiB pieces, as an HTTP body arrives.
  for (let at = 0; at < SIZE; at += 64 * 1024) yield POOL.subarray(at % POOL.length, (at % POOL.length) + 64 * 1024);
}

interface Round {
  put: number;
  get: number;
  ranges: number;
}

async function round(blobs: BlobStore): Promise<Round> {
  let t = performance.now();
  const s = await blobs.stage(source());
  await s.commit();
  const put = (performance.now() - t) / 1000;
  const seg = [{ id: s.id, size: s.size }];
  t = performance.now();
  const r = await blobs.read(seg, 0, SIZE);
  let n = 0;
  for await (const c of r.stream ?? [r.bytes as Uint8Array]) n += c.length;
  await r.close();
  const get = (performance.now() - t) / 1000;
  if (n !== SIZE) throw new Error(`read ${n} of ${SIZE} bytes`);
  // 1 MiB ranges at unaligned offsets (each spans two chunk rows).
  t = performance.now();
  const count = SIZE / MiB - 1;
  for (let i = 0; i < count; i++) {
    const start = i * MiB + 12345;
    const rr = await blobs.read(seg, start, start + MiB);
    for await (const _ of rr.stream ?? [rr.bytes as Uint8Array]) void _;
    await rr.close();
  }
  const ranges = (performance.now() - t) / 1000;
  await blobs.remove([s.id]);
  return { put, get, ranges };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mbps = (bytes: number, s: number): string => `${(bytes / MiB / s).toFixed(0)} MiB/s`;

const dir = mkdtempSync(join(tmpdir(), 'irsa-bench-blobs-'));
const pgServer = await startTestPostgres();
if ('skip' in pgServer) throw new Error(pgServer.skip);
const store = await openPostgresStore(pgServer.url);
try {
  const stores: [string, BlobStore][] = [
    ['files (FsBlobStore)', new FsBlobStore(join(dir, 's3'))],
    ['PostgreSQL (PgBlobStore)', store.blobStore()],
  ];
  const results = new Map<string, Round[]>(stores.map(([name]) => [name, []]));
  await round(stores[1]![1]); // warm up
  await round(stores[0]![1]);
  for (let i = 0; i < ROUNDS; i++) for (const [name, blobs] of stores) results.get(name)!.push(await round(blobs));
  console.log(`${SIZE / MiB} MiB object, median of ${ROUNDS} interleaved rounds; PostgreSQL: ${pgServer.how}\n`);
  console.log(
    markdownTable(
      ['blob store', 'PUT (stage+commit)', 'GET whole', `GET ${SIZE / MiB - 1} × 1 MiB ranges`],
      stores.map(([name]) => {
        const rs = results.get(name)!;
        const ranged = (SIZE / MiB - 1) * MiB;
        return [name, mbps(SIZE, median(rs.map((r) => r.put))), mbps(SIZE, median(rs.map((r) => r.get))), mbps(ranged, median(rs.map((r) => r.ranges)))];
      }),
      ['left', 'right', 'right', 'right'],
    ),
  );
} finally {
  await store.close();
  await pgServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
