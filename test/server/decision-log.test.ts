import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DECISION_BATCH_KIND, DecisionLog, type DecisionEntry } from '../../src/server/decision-log.js';
import { newRequestId } from '../../src/server/request-id.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'irsa-decisions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function entry(requestId: string, action = 's3:GetObject'): DecisionEntry {
  return {
    requestId,
    time: new Date().toISOString(),
    principal: 'arn:aws:sts::123456789012:assumed-role/r/s',
    action,
    resource: 'arn:aws:s3:::b/k',
    decision: 'implicitDeny',
    deniedBy: 'identity',
    statements: [],
    reasons: [{ policyType: 'identity', result: 'implicitDeny', detail: 'no statement allows' }],
    message: 'User: … is not authorized',
  };
}

describe('decision log', () => {
  it('finds a request’s decisions before and after they are flushed, and across a reopen', async () => {
    const file = join(dir, 'a.db');
    const store = openSqliteStore(file);
    const log = new DecisionLog(store, { flushMs: 10_000 });
    const id = newRequestId();
    log.record(entry(id, 's3:GetObject'));
    log.record(entry(id, 's3:PutObject'));
    assert.deepEqual((await log.get(id)).map((e) => e.action), ['s3:GetObject', 's3:PutObject'], 'buffered');
    await log.close();
    await store.close();
    const again = openSqliteStore(file);
    const reopened = new DecisionLog(again);
    assert.deepEqual((await reopened.get(id)).map((e) => e.action), ['s3:GetObject', 's3:PutObject'], 'durable');
    assert.deepEqual(await reopened.get(newRequestId()), []);
    await again.close();
  });

  it('is bounded: the oldest entries go first', async () => {
    const store = openSqliteStore(join(dir, 'b.db'));
    const log = new DecisionLog(store, { maxEntries: 1000, flushMs: 10_000 });
    const ids: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      for (let i = 0; i < 600; i++) {
        const id = newRequestId();
        ids.push(id);
        log.record(entry(id));
      }
      await log.flush();
    }
    const kept = (await store.read((t) => t.list<{ entries: DecisionEntry[] }>(DECISION_BATCH_KIND, ''))).flatMap((d) => d.doc.entries);
    assert.ok(kept.length <= 1000 && kept.length >= 1000 - 256, `bounded (${kept.length})`);
    assert.deepEqual(
      kept.map((e) => e.requestId),
      ids.slice(-kept.length),
      'exactly the newest are kept, in order',
    );
    assert.equal((await log.get(ids.at(-1) as string)).length, 1, 'the newest is found');
    assert.deepEqual(await log.get(ids[0] as string), [], 'the oldest went');
    await log.close();
    await store.close();
  });

  it('fills the newest batch under a light load, and finds a request whose decisions straddle flushes', async () => {
    const store = openSqliteStore(join(dir, 'c.db'));
    const log = new DecisionLog(store, { flushMs: 10_000 });
    const first = newRequestId();
    const straddling = newRequestId();
    log.record(entry(first));
    log.record(entry(straddling, 's3:GetObject'));
    await log.flush();
    for (let i = 0; i < 20; i++) {
      log.record(entry(newRequestId()));
      await log.flush();
    }
    log.record(entry(straddling, 's3:PutObject'));
    await log.flush();
    const batches = await store.read((t) => t.list(DECISION_BATCH_KIND, ''));
    assert.equal(batches.length, 1, '23 entries in 22 flushes make one batch document');
    assert.deepEqual((await log.get(straddling)).map((e) => e.action), ['s3:GetObject', 's3:PutObject']);
    assert.equal((await log.get(first)).length, 1);
    assert.deepEqual(await log.get('not-a-request-id'), []);
    await log.close();
    await store.close();
  });
});
