import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) for secrets at rest and sealed session tokens. Output is
 * `version(1) | keyId(1) | iv(12) | ciphertext | tag(16)`; the key id lets keys rotate while old
 * ciphertexts stay readable. Associated data binds a ciphertext to its purpose, so a sealed
 * secret can never be replayed as a session token.
 */
const VERSION = 1;
const IV = 12;
const TAG = 16;

export class Aead {
  private readonly keys: Map<number, Buffer>;

  constructor(
    keys: ReadonlyMap<number, Uint8Array>,
    private readonly currentKeyId: number,
    private readonly purpose: string,
  ) {
    this.keys = new Map([...keys].map(([id, k]) => [id, Buffer.from(k)]));
    for (const k of this.keys.values()) if (k.length !== 32) throw new TypeError('AES-256-GCM keys are 32 bytes');
    if (!this.keys.has(currentKeyId)) throw new TypeError(`no key ${currentKeyId}`);
  }

  seal(plain: Uint8Array): Buffer {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId) as Buffer, iv);
    cipher.setAAD(Buffer.from(this.purpose));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION, this.currentKeyId]), iv, ct, cipher.getAuthTag()]);
  }

  /** Undefined when the input is not a ciphertext of this purpose under a known key. */
  open(sealed: Uint8Array): Buffer | undefined {
    if (sealed.length < 2 + IV + TAG || sealed[0] !== VERSION) return undefined;
    const key = this.keys.get(sealed[1] as number);
    if (!key) return undefined;
    const iv = sealed.subarray(2, 2 + IV);
    const tag = sealed.subarray(sealed.length - TAG);
    const ct = sealed.subarray(2 + IV, sealed.length - TAG);
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(Buffer.from(this.purpose));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ct), d.final()]);
    } catch {
      return undefined;
    }
  }

  sealString(plain: string): string {
    return this.seal(Buffer.from(plain, 'utf8')).toString('base64');
  }

  openString(sealed: string): string | undefined {
    return this.open(Buffer.from(sealed, 'base64'))?.toString('utf8');
  }
}
