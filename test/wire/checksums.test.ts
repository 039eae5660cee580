/**
 * Flexible checksums (x-amz-checksum-*) against what the real SDKs compute and send:
 * - the JS SDK v3's own checksum classes (@smithy/core's Crc32, @aws-sdk/checksums' Crc32c and
 *   Crc64Nvme — what S3Client uses) on random data, fed in random pieces;
 * - the headers an S3Client PutObject actually sends with each ChecksumAlgorithm (a capture server);
 * - botocore's httpchecksum classes (CRC32, SHA1, SHA256; its CRC32C/CRC64NVME need awscrt);
 * - the published check values of each CRC ("123456789").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { PutObjectCommand, S3Client, type ChecksumAlgorithm as SdkAlgorithm } from '@aws-sdk/client-s3';
import { Crc32 } from '@smithy/core/checksum';
import {
  CHECKSUM_ALGORITHMS,
  checksumAlgorithmOf,
  checksumHeaderName,
  createChecksum,
  isValidChecksumValue,
  type ChecksumAlgorithm,
} from '../../src/wire/checksums.js';

function ours(alg: ChecksumAlgorithm, data: Uint8Array, pieces: number[] = []): string {
  const c = createChecksum(alg);
  let at = 0;
  for (const n of pieces) {
    c.update(data.subarray(at, Math.min(data.length, at + n)));
    at = Math.min(data.length, at + n);
  }
  c.update(data.subarray(at));
  return c.digest();
}

/** Random split points, so that the slicing-by-8 loop and the byte tail meet at every offset. */
function randomPieces(len: number): number[] {
  const out: number[] = [];
  let left = len;
  while (left > 0) {
    const n = 1 + Math.floor(Math.random() * Math.min(left, Math.random() < 0.5 ? 13 : 5000));
    out.push(n);
    left -= n;
  }
  return out;
}

const SIZES = [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 100, 1000, 4096, 65_539, 1_048_583];

describe('checksums: check values', () => {
  it('CRC32, CRC32C and CRC64NVME of "123456789" are the catalogued check values', () => {
    const check = Buffer.from('123456789');
    const hex = (alg: ChecksumAlgorithm): string => Buffer.from(ours(alg, check), 'base64').toString('hex');
    assert.equal(hex('CRC32'), 'cbf43926');
    assert.equal(hex('CRC32C'), 'e3069283');
    assert.equal(hex('CRC64NVME'), 'ae8b14860a799888');
  });

  it('the values S3 documents for an empty body and for "hello world"', () => {
    // aws-wire-facts §2.6: botocore and the JS SDK send x-amz-checksum-crc32: DUoRhQ== for "hello world".
    assert.equal(ours('CRC32', Buffer.from('hello world')), 'DUoRhQ==');
    assert.equal(ours('CRC32', Buffer.alloc(0)), 'AAAAAA==');
    assert.equal(ours('SHA256', Buffer.alloc(0)), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
});

describe('checksums: the JS SDK v3 checksum classes', () => {
  const sdk: Partial<Record<ChecksumAlgorithm, () => { update(d: Uint8Array): void; digest(): Promise<Uint8Array> }>> = {
    CRC32: () => new Crc32(),
    CRC32C: () => new Crc32c(),
    CRC64NVME: () => new Crc64Nvme(),
  };
  for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    it(`${alg}: random data of ${SIZES.length} sizes, fed in random pieces, equals the SDK's`, async () => {
      for (const size of SIZES) {
        const data = randomBytes(size);
        const h = sdk[alg]!();
        h.update(data);
        const expected = Buffer.from(await h.digest()).toString('base64');
        assert.equal(ours(alg, data), expected, `${alg} size ${size}`);
        assert.equal(ours(alg, data, randomPieces(size)), expected, `${alg} size ${size} in pieces`);
      }
    });
  }
});

describe('checksums: headers an S3Client PutObject sends', () => {
  let server: http.Server;
  let port = 0;
  const seen: Record<string, string | string[] | undefined>[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"0"' }).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('every algorithm: x-amz-checksum-<alg> equals ours for a Buffer body', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    try {
      for (const alg of CHECKSUM_ALGORITHMS) {
        for (const size of [0, 5, 8193, 100_003]) {
          const body = randomBytes(size);
          seen.length = 0;
          await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body, ChecksumAlgorithm: alg as SdkAlgorithm }));
          const sent = seen[0]?.[checksumHeaderName(alg)];
          assert.equal(typeof sent, 'string', `${alg}: the SDK sent ${checksumHeaderName(alg)}`);
          assert.equal(sent, ours(alg, body), `${alg} size ${size}`);
          assert.equal(isValidChecksumValue(alg, sent as string), true);
        }
      }
    } finally {
      client.destroy();
    }
  });
});

const pythonMissing = spawnSync('python3', ['-c', 'import botocore.httpchecksum'], { encoding: 'utf8' }).status === 0 ? false : 'python3 with botocore is not installed';

describe('checksums: botocore httpchecksum', { skip: pythonMissing }, () => {
  it('CRC32, SHA1 and SHA256 of random data equal botocore’s', () => {
    const cases = SIZES.map((size) => randomBytes(size).toString('hex'));
    const script = [
      'import json, sys',
      'from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum',
      'out = []',
      'for h in json.load(sys.stdin):',
      '    data = bytes.fromhex(h)',
      '    row = {}',
      '    for name, cls in (("CRC32", Crc32Checksum), ("SHA1", Sha1Checksum), ("SHA256", Sha256Checksum)):',
      '        c = cls(); c.update(data[:len(data)//3]); c.update(data[len(data)//3:]); row[name] = c.b64digest()',
      '    out.append(row)',
      'json.dump(out, sys.stdout)',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Record<'CRC32' | 'SHA1' | 'SHA256', string>[];
    rows.forEach((row, i) => {
      const data = Buffer.from(cases[i]!, 'hex');
      for (const alg of ['CRC32', 'SHA1', 'SHA256'] as const) assert.equal(ours(alg, data, randomPieces(data.length)), row[alg], `${alg} size ${data.length}`);
    });
  });
});

describe('checksums: names and values', () => {
  it('header names map both ways; other names are not checksums', () => {
    for (const alg of CHECKSUM_ALGORITHMS) {
      assert.equal(checksumAlgorithmOf(checksumHeaderName(alg)), alg);
      assert.equal(checksumAlgorithmOf(checksumHeaderName(alg).toUpperCase()), alg);
    }
    assert.equal(checksumHeaderName('CRC64NVME'), 'x-amz-checksum-crc64nvme');
    for (const name of ['x-amz-checksum-md5', 'x-amz-checksum-', 'x-amz-checksum-type', 'content-md5', 'x-amz-checksum-crc32x']) assert.equal(checksumAlgorithmOf(name), undefined, name);
  });

  it('a value must be canonical base64 of the digest size', () => {
    assert.equal(isValidChecksumValue('CRC32', 'DUoRhQ=='), true);
    assert.equal(isValidChecksumValue('CRC32', 'DUoRhQ='), false);
    assert.equal(isValidChecksumValue('CRC32', 'DUoRhQ'), false);
    assert.equal(isValidChecksumValue('CRC32', 'DUoRhR=='), false, 'non-zero padding bits');
    assert.equal(isValidChecksumValue('CRC32C', 'DUoRhQ!='), false);
    assert.equal(isValidChecksumValue('CRC64NVME', ours('CRC64NVME', Buffer.from('x'))), true);
    assert.equal(isValidChecksumValue('CRC64NVME', 'DUoRhQ=='), false, 'a CRC32-sized value');
    assert.equal(isValidChecksumValue('SHA1', ours('SHA1', Buffer.from('x'))), true);
    assert.equal(isValidChecksumValue('SHA256', ours('SHA256', Buffer.from('x'))), true);
    assert.equal(isValidChecksumValue('SHA256', ours('SHA1', Buffer.from('x'))), false);
  });
});
