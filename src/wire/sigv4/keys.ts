import { createHmac } from 'node:crypto';

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', 'AWS4' + secret).update(date, 'utf8').digest();
  const kRegion = createHmac('sha256', kDate).update(region, 'utf8').digest();
  const kService = createHmac('sha256', kRegion).update(service, 'utf8').digest();
  return createHmac('sha256', kService).update('aws4_request', 'utf8').digest();
}

/**
 * A small LRU of derived signing keys, keyed by (date, region, service, secret). A Map keeps
 * insertion order, so a hit is moved to the end and the first key is the least recently used.
 * Derived keys are as sensitive as the secret: never log them or the map.
 */
export class SigningKeyCache {
  private readonly map = new Map<string, Buffer>();

  constructor(readonly maxEntries = 1024) {}

  get size(): number {
    return this.map.size;
  }

  get(secret: string, date: string, region: string, service: string): Buffer {
    const k = `${date}\n${region}\n${service}\n${secret}`;
    const hit = this.map.get(k);
    if (hit) {
      this.map.delete(k);
      this.map.set(k, hit);
      return hit;
    }
    const key = deriveSigningKey(secret, date, region, service);
    this.map.set(k, key);
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    return key;
  }

  clear(): void {
    this.map.clear();
  }
}
