import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';

/**
 * The flexible checksums S3 takes in `x-amz-checksum-*` headers and aws-chunked trailers, computed
 * exactly as the SDKs send them: the big-endian bytes of the CRC (or the digest), base64.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 *
 * CRC32 uses zlib's (native; Node ≥ 20.15). CRC32C and CRC64NVME are table-driven here
 * (slicing-by-8, a few KiB of tables built on first use): no maintained npm package covers
 * CRC64NVME outside the AWS SDK's internals, and these ~80 lines are checked against the JS SDK's
 * own implementations and the published check values (test/wire/checksums.test.ts).
 */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

export interface Checksum {
  update(bytes: Uint8Array): void;
  /** base64 of the checksum, as in `x-amz-checksum-*`. Call once. */
  digest(): string;
}

/** Digest sizes in bytes: a header value is the base64 of exactly this many bytes. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function createChecksum(alg: ChecksumAlgorithm): Checksum {
  switch (alg) {
    case 'CRC32':
      return zlibCrc32 ? new ZlibCrc32(zlibCrc32) : new Crc32Table(crc32Tables());
    case 'CRC32C':
      return new Crc32Table(crc32cTables());
    case 'CRC64NVME':
      return new Crc64Nvme();
    case 'SHA1':
      return new Digest(createHash('sha1'));
    case 'SHA256':
      return new Digest(createHash('sha256'));
  }
}

/** `x-amz-checksum-crc32` for CRC32, and so on. */
export function checksumHeaderName(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

/** The algorithm a `x-amz-checksum-*` header (or trailer) name stands for; undefined for any other name. */
export function checksumAlgorithmOf(headerName: string): ChecksumAlgorithm | undefined {
  const name = headerName.toLowerCase();
  if (!name.startsWith('x-amz-checksum-')) return undefined;
  const alg = name.slice('x-amz-checksum-'.length).toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(alg) ? (alg as ChecksumAlgorithm) : undefined;
}

/**
 * True when `value` is a canonical base64 encoding of a checksum of this algorithm's size (S3
 * answers anything else with InvalidRequest "Value for x-amz-checksum-… header is invalid.").
 */
export function isValidChecksumValue(alg: ChecksumAlgorithm, value: string): boolean {
  const n = DIGEST_BYTES[alg];
  if (value.length !== Math.ceil(n / 3) * 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').toString('base64') === value;
}

// ---------------------------------------------------------------- implementations

class Digest implements Checksum {
  constructor(private readonly hash: Hash) {}
  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digest(): string {
    return this.hash.digest('base64');
  }
}

type ZlibCrc32Fn = (data: Uint8Array, value?: number) => number;
const zlibCrc32 = (zlib as unknown as { crc32?: ZlibCrc32Fn }).crc32;

function u32be(n: number): string {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b.toString('base64');
}

class ZlibCrc32 implements Checksum {
  private crc = 0;
  constructor(private readonly fn: ZlibCrc32Fn) {}
  update(bytes: Uint8Array): void {
    this.crc = this.fn(bytes, this.crc);
  }
  digest(): string {
    return u32be(this.crc);
  }
}

/** Reflected 32-bit CRC tables for slicing-by-8: T[k][b] = the CRC of byte b followed by k zero bytes. */
function tables32(poly: number): Uint32Array[] {
  const t: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[i] = c >>> 0;
  }
  t.push(t0);
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1]!;
    const tk = new Uint32Array(256);
    for (let i = 0; i < 256; i++) tk[i] = (prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!;
    t.push(tk);
  }
  return t;
}

let crc32T: Uint32Array[] | undefined;
let crc32cT: Uint32Array[] | undefined;
const crc32Tables = (): Uint32Array[] => (crc32T ??= tables32(0xedb88320));
/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const crc32cTables = (): Uint32Array[] => (crc32cT ??= tables32(0x82f63b78));

class Crc32Table implements Checksum {
  private crc = 0xffffffff;
  constructor(private readonly t: Uint32Array[]) {}

  update(d: Uint8Array): void {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = this.t as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    let crc = this.crc;
    let i = 0;
    const end8 = d.length - 7;
    for (; i < end8; i += 8) {
      crc ^= d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
      crc =
        t7[crc & 0xff]! ^
        t6[(crc >>> 8) & 0xff]! ^
        t5[(crc >>> 16) & 0xff]! ^
        t4[crc >>> 24]! ^
        t3[d[i + 4]!]! ^
        t2[d[i + 5]!]! ^
        t1[d[i + 6]!]! ^
        t0[d[i + 7]!]!;
    }
    for (; i < d.length; i++) crc = (crc >>> 8) ^ t0[(crc ^ d[i]!) & 0xff]!;
    this.crc = crc >>> 0;
  }

  digest(): string {
    return u32be(~this.crc);
  }
}

/**
 * CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, initial value and final XOR all ones. The
 * 64-bit state is kept as two 32-bit halves; tables likewise (hi, lo interleaved).
 */
let crc64T: Uint32Array[] | undefined;
function crc64Tables(): Uint32Array[] {
  if (crc64T) return crc64T;
  const poly = 0x9a6c9329ac4bc9b5n;
  const mask = 0xffffffffffffffffn;
  const big: bigint[][] = [];
  const t0: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let j = 0; j < 8; j++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t0.push(c & mask);
  }
  big.push(t0);
  for (let k = 1; k < 8; k++) {
    const prev = big[k - 1]!;
    big.push(prev.map((v) => (v >> 8n) ^ t0[Number(v & 0xffn)]!));
  }
  crc64T = big.map((tab) => {
    const out = new Uint32Array(512);
    tab.forEach((v, i) => {
      out[2 * i] = Number(v >> 32n);
      out[2 * i + 1] = Number(v & 0xffffffffn);
    });
    return out;
  });
  return crc64T;
}

class Crc64Nvme implements Checksum {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  private readonly t = crc64Tables();

  update(d: Uint8Array): void {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = this.t as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const end8 = d.length - 7;
    for (; i < end8; i += 8) {
      lo ^= d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
      hi ^= d[i + 4]! | (d[i + 5]! << 8) | (d[i + 6]! << 16) | (d[i + 7]! << 24);
      const a = (lo & 0xff) << 1;
      const b = ((lo >>> 8) & 0xff) << 1;
      const c = ((lo >>> 16) & 0xff) << 1;
      const e = (lo >>> 24) << 1;
      const f = (hi & 0xff) << 1;
      const g = ((hi >>> 8) & 0xff) << 1;
      const h = ((hi >>> 16) & 0xff) << 1;
      const k = (hi >>> 24) << 1;
      hi = t7[a]! ^ t6[b]! ^ t5[c]! ^ t4[e]! ^ t3[f]! ^ t2[g]! ^ t1[h]! ^ t0[k]!;
      lo = t7[a + 1]! ^ t6[b + 1]! ^ t5[c + 1]! ^ t4[e + 1]! ^ t3[f + 1]! ^ t2[g + 1]! ^ t1[h + 1]! ^ t0[k + 1]!;
    }
    for (; i < d.length; i++) {
      const idx = ((lo ^ d[i]!) & 0xff) << 1;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ t0[idx + 1]!;
      hi = (hi >>> 8) ^ t0[idx]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }

  digest(): string {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32BE(~this.hi >>> 0, 0);
    b.writeUInt32BE(~this.lo >>> 0, 4);
    return b.toString('base64');
  }
}
