import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRequestId } from '../../src/server/request-id.js';

describe('request ids', () => {
  it('are UUIDs of version 7 and RFC 9562 variant, carrying the time', () => {
    const id = newRequestId(Date.UTC(2026, 10, 28, 12, 0, 0));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), Date.UTC(2026, 10, 28, 12, 0, 0));
  });

  it('sort in the order they were made, many within one millisecond', () => {
    const t = Date.UTC(2026, 10, 28, 13, 0, 0);
    const ids = Array.from({ length: 10_000 }, (_, i) => newRequestId(t + Math.floor(i / 5000)));
    for (let i = 1; i < ids.length; i++) assert.ok((ids[i - 1] as string) < (ids[i] as string), `${ids[i - 1]} < ${ids[i]}`);
    assert.equal(new Set(ids).size, ids.length);
  });
});
