/**
 * Microbenchmarks of the S3 request-authentication wire code (no network): aws-chunked decoding
 * (unsigned with a trailer, and signed chunks), the flexible checksums, and SigV2 verification.
 * Prints a markdown table; asserts nothing.
 *
 *   node --import tsx bench/wire/run.ts [--quick]
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AwsChunkedDecoder, type AwsChunkedOptions } from '../../src/wire/aws-chunked.js';
import { CHECKSUM_ALGORITHMS, createChecksum } from '../../src/wire/checksums.js';
import { verifySigV2 } from '../../src/wire/sigv2.js';
import type { SignedRequest } from '../../src/wire/sigv4.js';
import { formatRate } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { measureThroughput, measureThroughputAsync } from '../lib/timing.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const minMs = values.quick ? 300 : 2000;
const EMPTY = createHash('sha256').digest('hex');

function frame(payload: Buffer, chunk: number, key?: Buffer): Buffer {
  const parts: Buffer[] = [];
  let previous = 'ab'.repeat(32);
  const one = (data: Buffer): void => {
    let ext = '';
    if (key) {
      const sts = `AWS4-HMAC-SHA256-PAYLOAD\n20261128T101500Z\n20261128/us-east-1/s3/aws4_request\n${previous}\n${EMPTY}\n${createHash('sha256').update(data).digest('hex')}`;
      previous = createHmac('sha256', key).update(sts).digest('hex');
      ext = `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${data.length.toString(16)}${ext}\r\n`), data, Buffer.from('\r\n'));
  };
  for (let i = 0; i < payload.length; i += chunk) one(payload.subarray(i, i + chunk));
  one(Buffer.alloc(0));
  parts.pop();
  parts.push(Buffer.from(key ? '\r\n' : 'x-amz-checksum-crc32:AAAAAA==\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Feeds the body in 64 KiB writes (what a socket hands over) and drains the output. */
async function decodeOnce(body: Buffer, opts: AwsChunkedOptions): Promise<number> {
  const d = new AwsChunkedDecoder(opts);
  let n = 0;
  d.on('data', (c: Buffer) => (n += c.length));
  const done = new Promise<void>((resolve, reject) => {
    d.on('end', resolve);
    d.on('error', reject);
  });
  for (let i = 0; i < body.length; i += 65_536) {
    if (!d.write(body.subarray(i, i + 65_536))) await new Promise((r) => d.once('drain', r));
  }
  d.end();
  await done;
  return n;
}

const MB = 1024 * 1024;
const mbps = (bytesPerSecond: number): string => `${(bytesPerSecond / MB).toFixed(0)} MiB/s`;
const rows: string[][] = [];

const payload = randomBytes(64 * MB);
const key = randomBytes(32);
for (const [label, chunk, signed] of [
  ['aws-chunked, unsigned + trailer, 64 KiB chunks', 65_536, false],
  ['aws-chunked, unsigned + trailer, 1 MiB chunks', MB, false],
  ['aws-chunked, signed chunks (SHA-256 + HMAC each), 64 KiB', 65_536, true],
  ['aws-chunked, signed chunks, 1 MiB', MB, true],
] as const) {
  const body = frame(payload, chunk, signed ? key : undefined);
  const opts: AwsChunkedOptions = signed
    ? { trailer: false, decodedLength: payload.length, signing: { key, amzDate: '20261128T101500Z', scope: '20261128/us-east-1/s3/aws4_request', seedSignature: 'ab'.repeat(32) } }
    : { trailer: true, decodedLength: payload.length };
  if ((await decodeOnce(body, opts)) !== payload.length) throw new Error(`${label}: the decoder did not return the payload`);
  const r = await measureThroughputAsync(() => decodeOnce(body, opts), payload.length, { warmupPasses: 1, minMs, minPasses: 2 });
  rows.push([label, mbps(r.perSecond)]);
}

const data = randomBytes(16 * MB);
for (const alg of CHECKSUM_ALGORITHMS) {
  const r = measureThroughput(
    () => {
      const c = createChecksum(alg);
      c.update(data);
      return c.digest();
    },
    data.length,
    { warmupMs: 200, minMs, minPasses: 2 },
  );
  rows.push([`checksum ${alg}`, mbps(r.perSecond)]);
}

// SigV2 query form (a presigned GET), as aws s3 presign makes it.
const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const expires = String(Math.floor(Date.now() / 1000) + 3600);
const signature = createHmac('sha1', secret).update(`GET\n\n\n${expires}\n/bkt1/key.txt`).digest('base64');
const req: SignedRequest = {
  method: 'GET',
  rawPath: '/bkt1/key.txt',
  rawQuery: `AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=${encodeURIComponent(signature)}&Expires=${expires}`,
  headers: { host: '127.0.0.1:4566' },
};
const lookup = async (): Promise<{ secretAccessKey: string }> => ({ secretAccessKey: secret });
const now = new Date();
const sigv2 = await measureThroughputAsync(
  async () => {
    for (let i = 0; i < 1000; i++) await verifySigV2(req, lookup, { now });
  },
  1000,
  { warmupPasses: 5, minMs, minPasses: 2 },
);
rows.push(['SigV2 presigned GET verification', `${formatRate(sigv2.perSecond)}`]);

console.log(markdownTable(['operation', 'throughput'], rows, ['left', 'right']));
