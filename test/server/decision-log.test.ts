import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DECISION_KIND, DecisionLog, type DecisionEntry } from '../../src/server/decision-log.js';
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
    const log = new DecisionLog(store, { maxEntries: 100, flushMs: 10_000 });
    const ids: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      for (let i = 0; i < 60; i++) {
        const id = newRequestId();
        ids.push(id);
        log.record(entry(id));
      }
      await log.flush();
    }
    const kept = await store.read((t) => t.list(DECISION_KIND, ''));
    assert.ok(kept.length <= 100 + 60, `bounded (${kept.length})`);
    assert.ok((await log.get(ids.at(-1) as string)).length === 1, 'the newest is kept');
    assert.deepEqual(await log.get(ids[0] as string), [], 'the oldest went');
    await log.close();
    await store.close();
  });
});
