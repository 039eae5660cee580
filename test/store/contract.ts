import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MAX_DOC_BYTES, StoreError, type Doc, type Store, type StoreTx } from '../../src/store/store.js';

/**
 * The Store contract, run against every implementation (test/store/<backend>.test.ts).
 *
 * `open` returns a new Store on the SAME backing storage every time (the same SQLite file, the
 * same PostgreSQL database), so "close and open again" is a durability check and several opens at
 * once are replicas. Every test works in scopes of its own, so tests never see each other's data.
 * `cleanup` runs once after the suite (remove the temp dir, stop the server).
 */
export interface StoreContractOptions {
  /** Skip the whole suite with this reason. */
  readonly skip?: string;
  /**
   * Several Store instances may work on the storage at the same time (PostgreSQL replicas). The
   * embedded SQLite store has one writer per file, so it runs the concurrency checks on one
   * instance only.
   */
  readonly multiInstance?: boolean;
}

class Boom extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `n` parties have arrived, or after `ms` (a serializing backend never gets there). */
function barrier(n: number, ms: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  const timer = setTimeout(release, ms);
  return async () => {
    if (++arrived >= n) {
      clearTimeout(timer);
      release();
    }
    await all;
  };
}

/** Code-point order, which both backends use for lowercased keys (UTF-8 byte order). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

const bytes = (doc: Doc) => Buffer.byteLength(JSON.stringify(doc), 'utf8');

/** A document whose JSON is exactly `n` bytes. */
function docOfBytes(n: number, fill = 'x'): Doc {
  const doc = { s: '' };
  const overhead = bytes(doc);
  const unit = Buffer.byteLength(fill, 'utf8');
  doc.s = fill.repeat(Math.floor((n - overhead) / unit)) + 'x'.repeat((n - overhead) % unit);
  assert.equal(bytes(doc), n);
  return doc;
}

export function runStoreContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void>, options: StoreContractOptions = {}): void {
  const run = randomBytes(4).toString('hex');
  let seq = 0;
  /** A scope no other test uses. */
  const fresh = (label = 's') => `${label}-${run}-${++seq}`;

  let shared: Store | undefined;
  const store = async (): Promise<Store> => (shared ??= await open());

  if (options.skip !== undefined) {
    // A skipped test (not a skipped suite) so the runner counts it as skipped.
    it(`Store contract: ${name}`, { skip: options.skip }, () => undefined);
    return;
  }

  describe(`Store contract: ${name}`, () => {
    after(async () => {
      try {
        await shared?.close();
      } finally {
        await cleanup();
      }
    });

    describe('opening', () => {
      it('several instances opened at once on fresh storage all work (schema created once)', async () => {
        const stores = await Promise.all([open(), open(), open(), open()]);
        try {
          const scope = fresh();
          for (const [i, s] of stores.entries()) assert.equal(await s.tx((t) => t.insert('k', scope, `from-${i}`, { i })), true);
          for (const s of stores) assert.equal(await s.read((t) => t.count('k', scope)), stores.length);
          assert.equal(stores[0]?.backend, name);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      });

      it('data survives closing the store and opening it again', async () => {
        const scope = fresh();
        const first = await open();
        await first.tx(async (t) => {
          await t.insert('role', scope, 'Durable', { v: 1, nested: { a: [1, 2, 3] } });
          await t.put('role', scope, 'Replaced', { v: 1 });
        });
        await first.tx((t) => t.put('role', scope, 'Replaced', { v: 2 }));
        await first.tx((t) => t.insert('role', scope, 'Gone', {}));
        await first.tx((t) => t.delete('role', scope, 'gone'));
        await first.close();
        const second = await open();
        try {
          const got = await second.read(async (t) => ({
            durable: await t.get('role', scope, 'durable'),
            replaced: await t.get('role', scope, 'REPLACED'),
            gone: await t.get('role', scope, 'Gone'),
            keys: (await t.list('role', scope)).map((d) => d.key),
          }));
          assert.deepEqual(got, { durable: { v: 1, nested: { a: [1, 2, 3] } }, replaced: { v: 2 }, gone: undefined, keys: ['Durable', 'Replaced'] });
        } finally {
          await second.close();
        }
      });

      it('a closed store rejects tx and read with StoreError; close twice is fine', async () => {
        const s = await open();
        await s.close();
        await assert.rejects(
          s.tx((t) => t.count('k', 'x')),
          StoreError,
        );
        await assert.rejects(
          s.read((t) => t.count('k', 'x')),
          StoreError,
        );
        await s.close();
      });

      it('close waits for a transaction in flight', async () => {
        const s = await open();
        const scope = fresh();
        const pending = s.tx(async (t) => {
          await sleep(30);
          return t.insert('k', scope, 'late', {});
        });
        await sleep(5);
        await s.close();
        assert.equal(await pending, true);
        assert.deepEqual(await (await store()).read((t) => t.get('k', scope, 'late')), {});
      });
    });

    describe('single documents', () => {
      it('get of a missing key resolves undefined; delete of one resolves false', async () => {
        const s = await store();
        const scope = fresh();
        assert.equal(await s.read((t) => t.get('role', scope, 'nobody')), undefined);
        assert.equal(await s.tx((t) => t.delete('role', scope, 'nobody')), false);
      });

      it('insert, then get returns an equal document that is a copy', async () => {
        const s = await store();
        const scope = fresh();
        const doc = { name: 'r', tags: [{ k: 'a', v: 'b' }], n: 1.5, ok: true, none: null };
        assert.equal(await s.tx((t) => t.insert('role', scope, 'r', doc)), true);
        doc.n = 99;
        const got = await s.read((t) => t.get<typeof doc>('role', scope, 'r'));
        assert.deepEqual(got, { name: 'r', tags: [{ k: 'a', v: 'b' }], n: 1.5, ok: true, none: null });
        got!.n = 7;
        assert.equal((await s.read((t) => t.get<typeof doc>('role', scope, 'r')))?.n, 1.5);
      });

      it('insert on an existing key resolves false and keeps the first document', async () => {
        const s = await store();
        const scope = fresh();
        assert.equal(await s.tx((t) => t.insert('role', scope, 'x', { v: 1 })), true);
        assert.equal(await s.tx((t) => t.insert('role', scope, 'x', { v: 2 })), false);
        assert.deepEqual(await s.read((t) => t.get('role', scope, 'x')), { v: 1 });
      });

      it('keys are unique regardless of case, looked up ignoring case, and keep their spelling', async () => {
        const s = await store();
        const scope = fresh();
        assert.equal(await s.tx((t) => t.insert('user', scope, 'Alice', { who: 'first' })), true);
        assert.equal(await s.tx((t) => t.insert('user', scope, 'alice', { who: 'second' })), false);
        assert.equal(await s.tx((t) => t.insert('user', scope, 'ALICE', { who: 'third' })), false);
        for (const k of ['Alice', 'alice', 'ALICE', 'aLiCe']) assert.deepEqual(await s.read((t) => t.get('user', scope, k)), { who: 'first' }, k);
        assert.deepEqual(
          await s.read((t) => t.list('user', scope)),
          [{ key: 'Alice', doc: { who: 'first' } }],
        );
        assert.equal(await s.read((t) => t.count('user', scope)), 1);
      });

      it('put inserts, then replaces whatever the case, keeping one record under the latest spelling', async () => {
        const s = await store();
        const scope = fresh();
        await s.tx((t) => t.put('role', scope, 'Admin', { v: 1 }));
        assert.deepEqual(await s.read((t) => t.get('role', scope, 'admin')), { v: 1 });
        await s.tx((t) => t.put('role', scope, 'ADMIN', { v: 2 }));
        assert.deepEqual(await s.read((t) => t.list('role', scope)), [{ key: 'ADMIN', doc: { v: 2 } }]);
        assert.equal(await s.read((t) => t.count('role', scope)), 1);
      });

      it('delete ignores case, resolves true once and then false', async () => {
        const s = await store();
        const scope = fresh();
        await s.tx((t) => t.insert('role', scope, 'Temp', {}));
        assert.equal(await s.tx((t) => t.delete('role', scope, 'TEMP')), true);
        assert.equal(await s.tx((t) => t.delete('role', scope, 'temp')), false);
        assert.equal(await s.read((t) => t.get('role', scope, 'Temp')), undefined);
        assert.equal(await s.tx((t) => t.insert('role', scope, 'temp', { again: true })), true);
        assert.deepEqual(await s.read((t) => t.list('role', scope)), [{ key: 'temp', doc: { again: true } }]);
      });

      it('documents round-trip: nesting, unicode, escapes, NUL, numbers and key order', async () => {
        const s = await store();
        const scope = fresh();
        const doc = {
          zeta: 1,
          alpha: 'é 日本 😀 \u0000 "quoted" \\ \n\t </script>',
          nested: { b: [1, -2.5, 1e21, 0, true, false, null, { deep: ['x'] }], a: {} },
          '': 'empty key',
          'ключ': 'значение',
          big: Number.MAX_SAFE_INTEGER,
        };
        await s.tx((t) => t.insert('policyVersion', scope, 'v1', doc));
        const got = await s.read((t) => t.get('policyVersion', scope, 'v1'));
        assert.deepEqual(got, doc);
        assert.deepEqual(Object.keys(got!), Object.keys(doc), 'top-level key order is kept');
        assert.deepEqual(Object.keys(got!['nested'] as Doc), ['b', 'a'], 'nested key order is kept');
        assert.equal(JSON.stringify(got), JSON.stringify(doc));
      });

      it('unicode keys: stored, found ignoring case beyond ASCII, unique ignoring case', async () => {
        const s = await store();
        const scope = fresh();
        const keys = ['Ärger', 'ÉCOLE', 'ＡＢＣ', '役割', '😀-Role', 'Ωmega', 'naïve'];
        for (const k of keys) assert.equal(await s.tx((t) => t.insert('role', scope, k, { k })), true, k);
        for (const k of keys) {
          assert.deepEqual(await s.read((t) => t.get('role', scope, k.toLowerCase())), { k }, k);
          assert.deepEqual(await s.read((t) => t.get('role', scope, k.toUpperCase())), { k }, k);
          assert.equal(await s.tx((t) => t.insert('role', scope, k.toLowerCase(), {})), false, k);
        }
        const listed = await s.read((t) => t.list('role', scope));
        assert.deepEqual(
          listed.map((d) => d.key),
          [...keys].sort((a, b) => byCodePoint(a.toLowerCase(), b.toLowerCase())),
        );
      });
    });

    describe('list, count and deleteScope', () => {
      const KEYS = ['b', 'A', 'a1', 'C', 'ab', '_x', '%y', '\\z', 'Zed', 'é', '😀', 'ｂ', 'a😀', 'a\uffff', 'a\uffffb', 'a\u{10ffff}', 'a\u{10ffff}z', '0'];

      async function seeded(): Promise<{ s: Store; scope: string }> {
        const s = await store();
        const scope = fresh();
        await s.tx(async (t) => {
          for (const k of KEYS) assert.equal(await t.insert('item', scope, k, { k }), true, k);
        });
        return { s, scope };
      }

      const sorted = (keys: readonly string[]) => [...keys].sort((a, b) => byCodePoint(a.toLowerCase(), b.toLowerCase()));

      it('lists every document in lowercased code-point order, with its spelling and document', async () => {
        const { s, scope } = await seeded();
        const listed = await s.read((t) => t.list('item', scope));
        assert.deepEqual(
          listed.map((d) => d.key),
          sorted(KEYS),
        );
        for (const d of listed) assert.deepEqual(d.doc, { k: d.key });
        assert.equal(await s.read((t) => t.count('item', scope)), KEYS.length);
      });

      it('prefix matches case-insensitively, and %, _ and \\ are plain characters', async () => {
        const s = await store();
        const scope = fresh();
        const keys = ['a%b', 'A%c', 'axb', 'a_b', 'aZb', 'a\\b', 'a\\\\c', 'ab', '%', '_', '\\', 'b%'];
        await s.tx(async (t) => {
          for (const k of keys) await t.insert('item', scope, k, {});
        });
        const list = async (prefix: string) => (await s.read((t) => t.list('item', scope, { prefix }))).map((d) => d.key);
        assert.deepEqual(await list('a%'), ['a%b', 'A%c']);
        assert.deepEqual(await list('A%'), ['a%b', 'A%c']);
        assert.deepEqual(await list('a_'), ['a_b']);
        assert.deepEqual(await list('a\\'), ['a\\\\c', 'a\\b']);
        assert.deepEqual(await list('a\\\\'), ['a\\\\c']);
        assert.deepEqual(await list('%'), ['%']);
        assert.deepEqual(await list('_'), ['_']);
        assert.deepEqual(await list('\\'), ['\\']);
        assert.deepEqual(await list('AZ'), ['aZb']);
        assert.deepEqual(await list('a'), sorted(keys.filter((k) => k.toLowerCase().startsWith('a'))));
        assert.deepEqual(await list(''), sorted(keys));
        assert.deepEqual(await list('nothing'), []);
      });

      it('prefix works for non-ASCII and characters beyond U+FFFF', async () => {
        const { s, scope } = await seeded();
        const list = async (prefix: string) => (await s.read((t) => t.list('item', scope, { prefix }))).map((d) => d.key);
        assert.deepEqual(await list('a'), sorted(KEYS.filter((k) => k.toLowerCase().startsWith('a'))));
        assert.deepEqual(await list('A\uffff'), ['a\uffff', 'a\uffffb']);
        assert.deepEqual(await list('a\u{10ffff}'), ['a\u{10ffff}', 'a\u{10ffff}z']);
        assert.deepEqual(await list('😀'), ['😀']);
        assert.deepEqual(await list('É'), ['é']);
        assert.deepEqual(await list('Ｂ'), ['ｂ']);
      });

      it('after and limit paginate through everything exactly once', async () => {
        const { s, scope } = await seeded();
        for (const limit of [1, 2, 3, 7, 100]) {
          const seen: string[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = await s.read((t) => t.list('item', scope, after === undefined ? { limit } : { after, limit }));
            assert.ok(page.length <= limit);
            if (page.length === 0) break;
            seen.push(...page.map((d) => d.key));
            after = page[page.length - 1]?.key;
          }
          assert.deepEqual(seen, sorted(KEYS), `limit ${limit}`);
        }
      });

      it('after ignores case, need not exist, and combines with prefix and limit', async () => {
        const s = await store();
        const scope = fresh();
        await s.tx(async (t) => {
          for (const k of ['a1', 'A2', 'a3', 'a4', 'b1', 'B2']) await t.insert('item', scope, k, {});
        });
        const keys = async (o: { prefix?: string; after?: string; limit?: number }) => (await s.read((t) => t.list('item', scope, o))).map((d) => d.key);
        assert.deepEqual(await keys({ after: 'A2' }), ['a3', 'a4', 'b1', 'B2']);
        assert.deepEqual(await keys({ after: 'a2' }), ['a3', 'a4', 'b1', 'B2']);
        assert.deepEqual(await keys({ after: 'a25' }), ['a3', 'a4', 'b1', 'B2']);
        assert.deepEqual(await keys({ after: 'A' }), ['a1', 'A2', 'a3', 'a4', 'b1', 'B2']);
        assert.deepEqual(await keys({ prefix: 'A', after: 'a1', limit: 2 }), ['A2', 'a3']);
        assert.deepEqual(await keys({ prefix: 'a', after: 'a4' }), []);
        assert.deepEqual(await keys({ prefix: 'b', after: 'a1' }), ['b1', 'B2']);
        assert.deepEqual(await keys({ after: 'zzz' }), []);
        assert.deepEqual(await keys({ limit: 0 }), []);
        assert.deepEqual(await keys({ limit: 100 }), ['a1', 'A2', 'a3', 'a4', 'b1', 'B2']);
      });

      it('kinds and scopes are separate namespaces; scopes match exactly (case and prefix)', async () => {
        const s = await store();
        const scope = fresh();
        const other = `${scope}0`;
        const upper = scope.toUpperCase();
        await s.tx(async (t) => {
          assert.equal(await t.insert('role', scope, 'same', { at: 'role/scope' }), true);
          assert.equal(await t.insert('user', scope, 'same', { at: 'user/scope' }), true);
          assert.equal(await t.insert('role', other, 'same', { at: 'role/other' }), true);
          assert.equal(await t.insert('role', upper, 'same', { at: 'role/upper' }), true);
          assert.equal(await t.insert('Role', scope, 'same', { at: 'Role/scope' }), true);
        });
        const got = await s.read(async (t) => ({
          a: await t.get('role', scope, 'SAME'),
          b: await t.get('user', scope, 'same'),
          c: await t.get('role', other, 'same'),
          d: await t.get('role', upper, 'same'),
          e: await t.get('Role', scope, 'same'),
          counts: [await t.count('role', scope), await t.count('user', scope), await t.count('role', other), await t.count('nothing', scope)],
          list: await t.list('role', scope),
        }));
        assert.deepEqual(got, {
          a: { at: 'role/scope' },
          b: { at: 'user/scope' },
          c: { at: 'role/other' },
          d: { at: 'role/upper' },
          e: { at: 'Role/scope' },
          counts: [1, 1, 1, 0],
          list: [{ key: 'same', doc: { at: 'role/scope' } }],
        });
        assert.equal(await s.tx((t) => t.delete('role', scope, 'same')), true);
        assert.deepEqual(await s.read((t) => t.get('user', scope, 'same')), { at: 'user/scope' });
        assert.deepEqual(await s.read((t) => t.get('role', other, 'same')), { at: 'role/other' });
      });

      it('deleteScope removes exactly one (kind, scope) and resolves how many', async () => {
        const s = await store();
        const scope = fresh();
        const other = `${scope}-x`;
        await s.tx(async (t) => {
          for (const k of ['a', 'b', 'c']) await t.insert('policyVersion', scope, k, {});
          await t.insert('policyVersion', other, 'a', {});
          await t.insert('policy', scope, 'a', {});
        });
        assert.equal(await s.tx((t) => t.deleteScope('policyVersion', scope)), 3);
        assert.equal(await s.tx((t) => t.deleteScope('policyVersion', scope)), 0);
        assert.deepEqual(
          await s.read(async (t) => [await t.count('policyVersion', scope), await t.count('policyVersion', other), await t.count('policy', scope)]),
          [0, 1, 1],
        );
      });
    });

    describe('transactions', () => {
      it('tx and read resolve what the callback resolves; a tx sees its own writes', async () => {
        const s = await store();
        const scope = fresh();
        const out = await s.tx(async (t) => {
          await t.insert('k', scope, 'a', { v: 1 });
          await t.put('k', scope, 'a', { v: 2 });
          await t.insert('k', scope, 'b', {});
          const mid = { get: await t.get('k', scope, 'A'), count: await t.count('k', scope), keys: (await t.list('k', scope)).map((d) => d.key) };
          await t.delete('k', scope, 'b');
          return { mid, count: await t.count('k', scope) };
        });
        assert.deepEqual(out, { mid: { get: { v: 2 }, count: 2, keys: ['a', 'b'] }, count: 1 });
        assert.equal(await s.read(async () => 'value'), 'value');
      });

      it('a thrown error rolls back every write and rejects with that same error', async () => {
        const s = await store();
        const scope = fresh();
        const other = fresh();
        await s.tx(async (t) => {
          await t.insert('k', scope, 'keep', { v: 1 });
          await t.insert('k', scope, 'drop', { v: 1 });
          await t.insert('k', other, 'x', {});
        });
        const boom = new Boom('domain rule');
        await assert.rejects(
          s.tx(async (t) => {
            await t.insert('k', scope, 'new', {});
            await t.put('k', scope, 'keep', { v: 2 });
            await t.delete('k', scope, 'drop');
            await t.deleteScope('k', other);
            throw boom;
          }),
          (e) => e === boom,
        );
        const after = await s.read(async (t) => ({
          list: await t.list('k', scope),
          other: await t.count('k', other),
        }));
        assert.deepEqual(after, {
          list: [
            { key: 'drop', doc: { v: 1 } },
            { key: 'keep', doc: { v: 1 } },
          ],
          other: 1,
        });
      });

      it('a rejected transaction leaves the store usable', async () => {
        const s = await store();
        const scope = fresh();
        for (let i = 0; i < 3; i++) {
          await assert.rejects(
            s.tx(async (t) => {
              await t.insert('k', scope, 'x', {});
              throw new Boom();
            }),
            Boom,
          );
        }
        assert.equal(await s.tx((t) => t.insert('k', scope, 'x', {})), true);
      });

      it('read sees committed data only', async () => {
        const s = await store();
        const scope = fresh();
        for (const outcome of ['rollback', 'commit'] as const) {
          const key = `pending-${outcome}`;
          let released = false;
          let release!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          let inserted!: () => void;
          const didInsert = new Promise<void>((r) => (inserted = r));
          const writer = s.tx(async (t) => {
            await t.insert('k', scope, key, { outcome });
            inserted();
            await gate;
            if (outcome === 'rollback') throw new Boom();
          });
          const writerDone = writer.then(
            () => 'committed',
            (e: unknown) => (e instanceof Boom ? 'rolled back' : Promise.reject(e)),
          );
          await didInsert;
          // A backend that serializes everything runs this read after the writer; one with real
          // concurrency runs it while the write is uncommitted.
          const reader = s.read(async (t) => ({ whileOpen: !released, doc: await t.get('k', scope, key), count: await t.count('k', scope) }));
          setTimeout(() => {
            released = true;
            release();
          }, 100);
          const seen = await reader;
          assert.equal(await writerDone, outcome === 'commit' ? 'committed' : 'rolled back');
          if (seen.whileOpen || outcome === 'rollback') {
            assert.equal(seen.doc, undefined, `${outcome}: an uncommitted insert is invisible`);
          }
          const final = await s.read((t) => t.get('k', scope, key));
          assert.deepEqual(final, outcome === 'commit' ? { outcome } : undefined);
        }
      });

      it('read is a consistent snapshot while other transactions commit', async () => {
        const s = await store();
        const scope = fresh();
        await s.tx(async (t) => {
          await t.put('k', scope, 'x', { v: 1 });
          await t.put('k', scope, 'y', { v: 1 });
        });
        const seen = await s.read(async (t) => {
          const first = { x: await t.get('k', scope, 'x'), n: await t.count('k', scope) };
          const writer = s.tx(async (w) => {
            await w.put('k', scope, 'x', { v: 2 });
            await w.insert('k', scope, 'z', {});
          });
          await Promise.race([writer, sleep(150)]);
          const second = { x: await t.get('k', scope, 'x'), n: await t.count('k', scope) };
          return { first, second, writer };
        });
        assert.deepEqual(seen.first, { x: { v: 1 }, n: 2 });
        assert.deepEqual(seen.second, seen.first);
        await seen.writer;
        assert.deepEqual(await s.read(async (t) => ({ x: await t.get('k', scope, 'x'), n: await t.count('k', scope) })), { x: { v: 2 }, n: 3 });
      });

      it('read rejects every write with StoreError and writes nothing', async () => {
        const s = await store();
        const scope = fresh();
        await s.tx((t) => t.insert('k', scope, 'there', { v: 1 }));
        const writes: ((t: StoreTx) => Promise<unknown>)[] = [
          (t) => t.insert('k', scope, 'new', {}),
          (t) => t.put('k', scope, 'there', { v: 2 }),
          (t) => t.delete('k', scope, 'there'),
          (t) => t.deleteScope('k', scope),
        ];
        for (const write of writes) {
          await assert.rejects(
            s.read(write),
            StoreError,
          );
        }
        assert.deepEqual(await s.read((t) => t.list('k', scope)), [{ key: 'there', doc: { v: 1 } }]);
      });
    });

    describe('document size', () => {
      it(`accepts a document of exactly MAX_DOC_BYTES (${MAX_DOC_BYTES}) bytes of JSON and returns it whole`, async () => {
        const s = await store();
        const scope = fresh();
        const doc = docOfBytes(MAX_DOC_BYTES);
        assert.equal(await s.tx((t) => t.insert('big', scope, 'max', doc)), true);
        const got = await s.read((t) => t.get('big', scope, 'max'));
        assert.equal(bytes(got!), MAX_DOC_BYTES);
        assert.deepEqual(got, doc);
        const multi = docOfBytes(MAX_DOC_BYTES, 'é');
        await s.tx((t) => t.put('big', scope, 'max', multi));
        assert.deepEqual(await s.read((t) => t.get('big', scope, 'max')), multi);
      });

      it('rejects one byte more with StoreError (insert and put, counting UTF-8 bytes) and writes nothing', async () => {
        const s = await store();
        const scope = fresh();
        await s.tx((t) => t.put('big', scope, 'small', { v: 1 }));
        const tooBig = [docOfBytes(MAX_DOC_BYTES + 1), docOfBytes(MAX_DOC_BYTES + 1, 'é'), docOfBytes(MAX_DOC_BYTES + 1, '😀')];
        for (const doc of tooBig) {
          assert.ok(JSON.stringify(doc).length <= MAX_DOC_BYTES + 1);
          await assert.rejects(
            s.tx(async (t) => {
              await t.insert('big', scope, 'other', { v: 1 });
              await t.insert('big', scope, 'huge', doc);
            }),
            StoreError,
          );
          await assert.rejects(
            s.tx((t) => t.put('big', scope, 'small', doc)),
            StoreError,
          );
        }
        assert.deepEqual(await s.read((t) => t.list('big', scope)), [{ key: 'small', doc: { v: 1 } }]);
      });
    });

    describe('concurrency', () => {
      /** Instances to spread concurrent transactions over: replicas where the backend has them. */
      async function instances(): Promise<{ list: Store[]; close: () => Promise<void> }> {
        const s = await store();
        if (!options.multiInstance) return { list: [s], close: async () => undefined };
        const extra = await Promise.all([open(), open()]);
        return { list: [s, ...extra], close: async () => void (await Promise.all(extra.map((e) => e.close()))) };
      }

      it('20 concurrent "count; insert if under 5" transactions end with exactly 5 (the policy-version limit)', { timeout: 120_000 }, async () => {
        const { list, close } = await instances();
        try {
          for (let round = 0; round < 3; round++) {
            const scope = fresh('policy');
            const results = await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                (list[i % list.length] as Store).tx(async (t) => {
                  const n = await t.count('policyVersion', scope);
                  await sleep(1);
                  if (n >= 5) return false;
                  return t.insert('policyVersion', scope, `v-${i}`, { i });
                }),
              ),
            );
            assert.equal(results.filter(Boolean).length, 5);
            assert.equal(await list[0]!.read((t) => t.count('policyVersion', scope)), 5);
          }
        } finally {
          await close();
        }
      });

      it('concurrent inserts of one name in different cases: exactly one wins', { timeout: 120_000 }, async () => {
        const { list, close } = await instances();
        try {
          const scope = fresh('account');
          const spellings = ['Deployer', 'deployer', 'DEPLOYER', 'dePloyer'];
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              (list[i % list.length] as Store).tx(async (t) => t.insert('role', scope, spellings[i % spellings.length] as string, { i })),
            ),
          );
          const winners = results.flatMap((won, i) => (won ? [i] : []));
          assert.equal(winners.length, 1);
          const listed = await list[0]!.read((t) => t.list('role', scope));
          assert.deepEqual(listed, [{ key: spellings[winners[0]! % spellings.length], doc: { i: winners[0] } }]);
        } finally {
          await close();
        }
      });

      it('read-modify-write under contention: nothing lost, nothing applied twice, last attempt returned', { timeout: 120_000 }, async () => {
        const { list, close } = await instances();
        try {
          const scope = fresh('counter');
          let attempts = 0;
          const n = 20;
          const returned = await Promise.all(
            Array.from({ length: n }, (_, i) =>
              (list[i % list.length] as Store).tx(async (t) => {
                attempts++;
                const before = (await t.get<{ n: number }>('counter', scope, 'c'))?.n ?? 0;
                await sleep(1);
                await t.put('counter', scope, 'c', { n: before + 1 });
                // A retried attempt whose writes leaked would find its own log entry here.
                if (!(await t.insert('log', scope, `entry-${i}`, { i, saw: before }))) throw new Error(`entry-${i} written twice`);
                return before + 1;
              }),
            ),
          );
          assert.deepEqual(
            [...returned].sort((a, b) => a - b),
            Array.from({ length: n }, (_, i) => i + 1),
            'every transaction saw a different count, in some serial order',
          );
          const final = await list[0]!.read(async (t) => ({ c: await t.get('counter', scope, 'c'), log: await t.count('log', scope) }));
          assert.deepEqual(final, { c: { n } , log: n });
          assert.ok(attempts >= n);
        } finally {
          await close();
        }
      });

      it('a forced conflict (both read, then both write) is retried, not double-applied', { timeout: 60_000 }, async () => {
        const { list, close } = await instances();
        try {
          const scope = fresh('conflict');
          await list[0]!.tx((t) => t.put('counter', scope, 'c', { n: 0, by: [] }));
          const bothRead = barrier(2, 200);
          const attempts = [0, 0];
          const results = await Promise.all(
            [0, 1].map((who) =>
              (list[who % list.length] as Store).tx(async (t) => {
                attempts[who]!++;
                const c = (await t.get<{ n: number; by: number[] }>('counter', scope, 'c'))!;
                await bothRead();
                await t.put('counter', scope, 'c', { n: c.n + 1, by: [...c.by, who] });
                return c.n + 1;
              }),
            ),
          );
          assert.deepEqual([...results].sort(), [1, 2]);
          const final = await list[0]!.read((t) => t.get<{ n: number; by: number[] }>('counter', scope, 'c'));
          assert.equal(final?.n, 2);
          assert.deepEqual([...final!.by].sort(), [0, 1]);
          assert.ok(attempts[0]! >= 1 && attempts[1]! >= 1);
        } finally {
          await close();
        }
      });

      it('write skew is prevented: "delete one of two only if both remain", run concurrently, deletes one', { timeout: 60_000 }, async () => {
        const { list, close } = await instances();
        try {
          const scopes = Array.from({ length: 10 }, () => fresh('skew'));
          for (const scope of scopes) {
            await list[0]!.tx(async (t) => {
              await t.insert('attachment', scope, 'a', {});
              await t.insert('attachment', scope, 'b', {});
            });
          }
          await Promise.all(
            scopes.flatMap((scope, j) => {
              const bothCounted = barrier(2, 100);
              return ['a', 'b'].map((key, i) =>
                (list[(i + j) % list.length] as Store).tx(async (t) => {
                  const n = await t.count('attachment', scope);
                  await bothCounted();
                  if (n < 2) return false;
                  return t.delete('attachment', scope, key);
                }),
              );
            }),
          );
          for (const scope of scopes) assert.equal(await list[0]!.read((t) => t.count('attachment', scope)), 1, scope);
        } finally {
          await close();
        }
      });

      it('crossing writes (a then b, b then a) both complete', { timeout: 60_000 }, async () => {
        const { list, close } = await instances();
        try {
          const scope = fresh('cross');
          await list[0]!.tx(async (t) => {
            await t.put('k', scope, 'a', { v: 0 });
            await t.put('k', scope, 'b', { v: 0 });
          });
          const firstWritten = barrier(2, 200);
          const order = [
            ['a', 'b'],
            ['b', 'a'],
          ] as const;
          await Promise.all(
            order.map(([x, y], who) =>
              (list[who % list.length] as Store).tx(async (t) => {
                await t.put('k', scope, x, { v: who });
                await firstWritten();
                await t.put('k', scope, y, { v: who });
              }),
            ),
          );
          const final = await list[0]!.read(async (t) => [(await t.get<{ v: number }>('k', scope, 'a'))?.v, (await t.get<{ v: number }>('k', scope, 'b'))?.v]);
          assert.equal(final[0], final[1], 'both keys were last written by the same transaction');
        } finally {
          await close();
        }
      });

      it('many concurrent transactions on different scopes all commit', { timeout: 120_000 }, async () => {
        const { list, close } = await instances();
        try {
          const scopes = Array.from({ length: 50 }, () => fresh('many'));
          const done = await Promise.all(
            scopes.map((scope, i) =>
              (list[i % list.length] as Store).tx(async (t) => {
                await t.insert('k', scope, 'one', {});
                await t.insert('k', scope, 'two', {});
                return t.count('k', scope);
              }),
            ),
          );
          assert.deepEqual(done, scopes.map(() => 2));
        } finally {
          await close();
        }
      });
    });
  });
}
