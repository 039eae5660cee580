import { randomFillSync } from 'node:crypto';

/**
 * Request ids in UUID form, time-ordered (the UUIDv7 layout, RFC 9562 §5.7): 48 bits of Unix
 * milliseconds, then 74 random bits. AWS's request ids are opaque UUIDs; ordering by time lets
 * the decision log keep the newest entries by key order alone.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;
let lastMs = 0;
let seq = 0;

export function newRequestId(nowMs = Date.now()): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = pool.subarray(offset, offset + 10);
  offset += 10;
  // Within one millisecond a 12-bit counter keeps ids strictly increasing.
  if (nowMs <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs++;
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    seq = r.readUInt16BE(0) & 0x3ff;
  }
  const hex = nowMs.toString(16).padStart(12, '0');
  const ver = (0x7000 | seq).toString(16);
  const variant = (((r[2] ?? 0) & 0x3f) | 0x80).toString(16).padStart(2, '0') + (r[3] ?? 0).toString(16).padStart(2, '0');
  const tail = r.subarray(4, 10).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${ver}-${variant}-${tail}`;
}
