/**
 * aws-chunked bodies (wire/aws-chunked.ts):
 * - the AWS documentation's published streaming examples (signed chunks; signed chunks with a
 *   signed CRC32C trailer) as fixed vectors, split at arbitrary byte boundaries;
 * - real client bytes over HTTP(S) to a node server that verifies the request with verifySigV4
 *   (body not read: `body` undefined) and decodes the stream: the JS SDK v3 S3Client PutObject with
 *   a stream body (STREAMING-UNSIGNED-PAYLOAD-TRAILER), botocore put_object over HTTPS (the same),
 *   and STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] requests signed with @smithy/signature-v4;
 * - refusals: tampered chunk, chunks in the wrong order, truncated body, oversize chunk header,
 *   small chunks, bad trailer framing, decoded-length mismatch;
 * - a property test: random payloads in random chunkings, written in random pieces, decode back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsChunkedDecoder, S3BodyError, type AwsChunkedOptions } from '../../src/wire/aws-chunked.js';
import { checksumAlgorithmOf, createChecksum } from '../../src/wire/checksums.js';
import { AuthFailure, verifySigV4, type ChunkSigning, type SecretLookup, type SignedRequest } from '../../src/wire/sigv4.js';
import { deriveSigningKey } from '../../src/wire/sigv4/keys.js';
import { createTestCa, issueCert } from '../support/tls.js';

// ------------------------------------------------------------------ helpers

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

type Decoded = { data: Buffer; trailers: Map<string, string> } | { error: unknown };

/** Writes `body` into a decoder in pieces (`every` bytes, or the given sizes) and collects what comes out. */
async function decode(body: Buffer, opts: AwsChunkedOptions, every: number | number[] = body.length || 1): Promise<Decoded> {
  const pieces: Buffer[] = [];
  if (typeof every === 'number') for (let i = 0; i < body.length; i += every) pieces.push(body.subarray(i, i + every));
  else {
    let at = 0;
    for (const n of every) {
      pieces.push(body.subarray(at, at + n));
      at += n;
    }
    if (at < body.length) pieces.push(body.subarray(at));
  }
  const decoder = new AwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  try {
    for await (const c of Readable.from(pieces).pipe(decoder)) out.push(c as Buffer);
  } catch (error) {
    return { error };
  }
  return { data: Buffer.concat(out), trailers: new Map(decoder.trailers) };
}

function ok(d: Decoded, what = 'decode'): { data: Buffer; trailers: Map<string, string> } {
  if ('error' in d) assert.fail(`${what}: ${String(d.error)}`);
  return d;
}

function bodyError(d: Decoded, code: string, status: number): S3BodyError {
  assert.ok('error' in d, `expected ${code}, but the body decoded`);
  assert.ok(d.error instanceof S3BodyError, `expected S3BodyError ${code}, got ${String(d.error)}`);
  assert.equal(d.error.code, code, d.error.message);
  assert.equal(d.error.httpStatus, status);
  return d.error;
}

function signatureError(d: Decoded): AuthFailure {
  assert.ok('error' in d, 'expected SignatureDoesNotMatch, but the body decoded');
  assert.ok(d.error instanceof AuthFailure, `expected AuthFailure, got ${String(d.error)}`);
  assert.equal(d.error.kind, 'badSignature');
  return d.error;
}

interface FrameOptions {
  /** Chunk signing: the seed, and a function that signs a string to sign. */
  signing?: { amzDate: string; scope: string; seed: string; sign: (sts: string) => Promise<string> };
  trailers?: [string, string][];
}

/**
 * An aws-chunked body as the SDKs write it, chunk sizes as given (the remainder, if any, is one
 * more chunk), then the zero chunk and the trailers (signed when signing).
 */
async function frame(payload: Buffer, sizes: number[], opts: FrameOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  const s = opts.signing;
  let previous = s?.seed ?? '';
  const chunk = async (data: Buffer): Promise<void> => {
    let ext = '';
    if (s) {
      previous = await s.sign(`AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${previous}\n${EMPTY}\n${sha256(data)}`);
      ext = `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${data.length.toString(16)}${ext}\r\n`), data, Buffer.from('\r\n'));
  };
  let at = 0;
  for (const n of sizes) {
    if (at >= payload.length) break;
    await chunk(payload.subarray(at, at + n));
    at += n;
  }
  if (at < payload.length) await chunk(payload.subarray(at));
  await chunk(Buffer.alloc(0));
  parts.pop(); // the zero chunk ends with its header line; trailers (or the final CRLF) follow
  let trailer = '';
  for (const [k, v] of opts.trailers ?? []) trailer += `${k}:${v}\r\n`;
  if (s && opts.trailers) {
    const canonical = (opts.trailers ?? []).map(([k, v]) => `${k}:${v}\n`).join('');
    const sig = await s.sign(`AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${previous}\n${sha256(canonical)}`);
    trailer += `x-amz-trailer-signature:${sig}\r\n`;
  }
  parts.push(Buffer.from(`${trailer}\r\n`));
  return Buffer.concat(parts);
}

const hmacSigner = (key: Buffer) => async (sts: string): Promise<string> => createHmac('sha256', key).update(sts).digest('hex');

function checksumOf(alg: Parameters<typeof createChecksum>[0], data: Buffer): string {
  const c = createChecksum(alg);
  c.update(data);
  return c.digest();
}

// ------------------------------------------------------------------ the AWS documentation's examples

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html (and …-trailers.html):
// PUT /examplebucket/chunkObject.txt, 66560 bytes of 'a' in chunks of 65536 + 1024, 2013-05-24.
const DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DOC_KEY = deriveSigningKey(DOC_SECRET, '20130524', 'us-east-1', 's3');
const DOC_DATE = '20130524T000000Z';
const DOC_SCOPE = '20130524/us-east-1/s3/aws4_request';
const DOC_DATA = Buffer.alloc(66_560, 'a');
const DOC = {
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunks: [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ],
};
const DOC_TRAILER = {
  seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  chunks: [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  ],
  trailer: 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n',
};

function docBody(sigs: readonly string[], trailer = ''): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${sigs[0]}\r\n`),
    DOC_DATA.subarray(0, 65_536),
    Buffer.from(`\r\n400;chunk-signature=${sigs[1]}\r\n`),
    DOC_DATA.subarray(65_536),
    Buffer.from(`\r\n0;chunk-signature=${sigs[2]}\r\n${trailer}\r\n`),
  ]);
}

const docSigning = (seed: string): ChunkSigning => ({ key: DOC_KEY, amzDate: DOC_DATE, scope: DOC_SCOPE, seedSignature: seed });

describe('aws-chunked: the AWS documentation’s published examples', () => {
  it('the seed signature of the documented request verifies (verifySigV4 hands out the chunk signing chain)', async () => {
    const req: SignedRequest = {
      method: 'PUT',
      rawPath: '/examplebucket/chunkObject.txt',
      rawQuery: '',
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': DOC_DATE,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'content-length': '66824',
      },
    };
    const lookup: SecretLookup = async (ak) => {
      assert.equal(ak, 'AKIAIOSFODNN7EXAMPLE');
      return { secretAccessKey: DOC_SECRET };
    };
    const v = await verifySigV4(req, lookup, { now: new Date('2013-05-24T00:00:30Z'), uriEncoding: 'single' });
    assert.deepEqual(v.chunkSigning, docSigning(DOC.seed));
    assert.equal(v.expectedBodySha256, undefined);
    const d = ok(await decode(docBody(DOC.chunks), { signing: v.chunkSigning, trailer: false, decodedLength: 66_560 }));
    assert.ok(d.data.equals(DOC_DATA));
  });

  it('signed chunks: 66824 bytes decode to the 66560-byte payload, however the body is split', async () => {
    const body = docBody(DOC.chunks);
    assert.equal(body.length, 66_824, 'the documented Content-Length');
    for (const every of [1, 7, 1000, 65_537, body.length]) {
      const d = ok(await decode(body, { signing: docSigning(DOC.seed), trailer: false, decodedLength: 66_560 }, every), `split every ${every}`);
      assert.ok(d.data.equals(DOC_DATA));
      assert.equal(d.trailers.size, 0);
    }
  });

  it('signed chunks with a signed trailing CRC32C: decodes, trailer available after end', async () => {
    const body = docBody(DOC_TRAILER.chunks, DOC_TRAILER.trailer);
    const d = ok(await decode(body, { signing: docSigning(DOC_TRAILER.seed), trailer: true, decodedLength: 66_560, expectedTrailers: ['x-amz-checksum-crc32c'] }, 777));
    assert.ok(d.data.equals(DOC_DATA));
    assert.deepEqual([...d.trailers], [['x-amz-checksum-crc32c', 'sOO8/Q==']]);
    assert.equal(d.trailers.get('x-amz-checksum-crc32c'), checksumOf('CRC32C', DOC_DATA), 'the documented CRC32C is the payload’s');
  });

  it('the test framer reproduces the documented bodies byte for byte (so the generated vectors below are AWS’s format)', async () => {
    const signing = { amzDate: DOC_DATE, scope: DOC_SCOPE, seed: DOC.seed, sign: hmacSigner(DOC_KEY) };
    assert.ok((await frame(DOC_DATA, [65_536], { signing })).equals(docBody(DOC.chunks)));
    const withTrailer = await frame(DOC_DATA, [65_536], { signing: { ...signing, seed: DOC_TRAILER.seed }, trailers: [['x-amz-checksum-crc32c', 'sOO8/Q==']] });
    assert.ok(withTrailer.equals(docBody(DOC_TRAILER.chunks, DOC_TRAILER.trailer)));
  });

  it('any one documented signature changed, a payload byte changed, or the trailer value changed: SignatureDoesNotMatch', async () => {
    for (let i = 0; i < 3; i++) {
      const sigs = [...DOC.chunks];
      sigs[i] = sigs[i]!.slice(0, 63) + (sigs[i]!.endsWith('0') ? '1' : '0');
      const e = signatureError(await decode(docBody(sigs), { signing: docSigning(DOC.seed), trailer: false }));
      assert.match(e.details.stringToSign ?? '', /^AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524\/us-east-1\/s3\/aws4_request\n/);
      assert.equal(e.details.signatureProvided, sigs[i]);
    }
    const tampered = docBody(DOC.chunks);
    tampered[66_000] = 0x62;
    signatureError(await decode(tampered, { signing: docSigning(DOC.seed), trailer: false }));
    const otherTrailer = docBody(DOC_TRAILER.chunks, DOC_TRAILER.trailer.replace('sOO8/Q==', 'sOO8/A=='));
    signatureError(await decode(otherTrailer, { signing: docSigning(DOC_TRAILER.seed), trailer: true }));
    const wrongSeed = await decode(docBody(DOC.chunks), { signing: docSigning(DOC_TRAILER.seed), trailer: false });
    signatureError(wrongSeed);
  });

  it('a tampered chunk emits nothing of itself: bytes come out only after their signature verified', async () => {
    const tampered = docBody(DOC.chunks);
    tampered[66_000] = 0x62; // in the second chunk
    const decoder = new AwsChunkedDecoder({ signing: docSigning(DOC.seed), trailer: false });
    const out: Buffer[] = [];
    decoder.on('data', (c: Buffer) => out.push(c));
    const done = new Promise<unknown>((resolve) => decoder.on('error', resolve));
    decoder.end(tampered);
    assert.ok((await done) instanceof AuthFailure);
    assert.equal(Buffer.concat(out).length, 65_536, 'only the first (verified) chunk came out');
  });
});

// ------------------------------------------------------------------ refusals

describe('aws-chunked: refusals, with S3’s codes', () => {
  const key = randomBytes(32);
  const signing = { amzDate: '20261128T101500Z', scope: '20261128/us-east-1/s3/aws4_request', seed: 'ab'.repeat(32), sign: hmacSigner(key) };
  const chunkSigning: ChunkSigning = { key, amzDate: signing.amzDate, scope: signing.scope, seedSignature: signing.seed };
  const payload = randomBytes(40_000);

  it('chunks in the wrong order (each validly signed on its own chain position): SignatureDoesNotMatch', async () => {
    const body = (await frame(payload, [10_000, 10_000, 10_000], { signing })).toString('latin1');
    const parts = body.split(/(?=2710;chunk-signature=)/); // 0x2710 = 10000
    assert.equal(parts.length, 4);
    const swapped = Buffer.from([parts[1], parts[0], ...parts.slice(2)].join(''), 'latin1');
    signatureError(await decode(swapped, { signing: chunkSigning, trailer: false }));
    // the original order decodes
    assert.ok(ok(await decode(Buffer.from(body, 'latin1'), { signing: chunkSigning, trailer: false })).data.equals(payload));
  });

  it('a signed body whose chunk has no chunk-signature, or a malformed one: refused', async () => {
    const body = (await frame(payload, [20_000], { signing })).toString('latin1');
    bodyError(await decode(Buffer.from(body.replace(/;chunk-signature=[0-9a-f]{64}/, ''), 'latin1'), { signing: chunkSigning, trailer: false }), 'IncompleteBody', 400);
    bodyError(await decode(Buffer.from(body.replace(/chunk-signature=[0-9a-f]{64}/, 'chunk-signature=XYZ'), 'latin1'), { signing: chunkSigning, trailer: false }), 'IncompleteBody', 400);
  });

  it('a truncated body: IncompleteBody "The request body terminated unexpectedly", wherever it is cut', async () => {
    const body = await frame(payload, [10_000], { trailers: [['x-amz-checksum-crc32', checksumOf('CRC32', payload)]] });
    for (const cut of [1, 5, 9_000, 10_007, body.length - 30, body.length - 3, body.length - 1]) {
      const e = bodyError(await decode(body.subarray(0, cut), { trailer: true }), 'IncompleteBody', 400);
      assert.equal(e.message, 'The request body terminated unexpectedly');
    }
    const signed = await frame(payload, [10_000], { signing });
    bodyError(await decode(signed.subarray(0, signed.length - 3), { signing: chunkSigning, trailer: false }), 'IncompleteBody', 400);
    bodyError(await decode(signed.subarray(0, signed.indexOf('\r\n0;chunk-signature=')), { signing: chunkSigning, trailer: false }), 'IncompleteBody', 400);
    bodyError(await decode(Buffer.alloc(0), { trailer: false }), 'IncompleteBody', 400);
  });

  it('framing that is not aws-chunked: IncompleteBody', async () => {
    const good = (await frame(payload, [20_000])).toString('latin1');
    const bad = [
      `zz${good}`, // not a hex size
      good.replace('\r\n', '\n'), // bare LF after the size
      good.replace('4e20\r\n', '4e20 \r\n'), // space in the size line
      good.replace(/\r\n4e20\r\n/, 'XX4e20\r\n'), // data not followed by CRLF
      `-1\r\n${good}`,
      good + 'extra', // bytes after the end
    ];
    for (const b of bad) bodyError(await decode(Buffer.from(b, 'latin1'), { trailer: false }), 'IncompleteBody', 400);
  });

  it('an oversize chunk header line, or a chunk larger than allowed, is refused before any data is buffered', async () => {
    const long = Buffer.from(`10;${'x'.repeat(5000)}\r\n`);
    bodyError(await decode(long, { trailer: false }, 100), 'IncompleteBody', 400);
    const endless = Buffer.alloc(100_000, '1'); // a "size" that never ends
    bodyError(await decode(endless, { trailer: false }, 1000), 'IncompleteBody', 400);
    const huge = Buffer.from(`ffffffff;chunk-signature=${'ab'.repeat(32)}\r\n`);
    const e = bodyError(await decode(huge, { trailer: false, signing: chunkSigning }), 'InvalidChunkSizeError', 403);
    assert.deepEqual(e.extra, { Chunk: '1', BadChunkSize: String(0xffffffff) });
    bodyError(await decode(await frame(payload, [20_000], { signing }), { trailer: false, maxChunkBytes: 10_000, signing: chunkSigning }), 'InvalidChunkSizeError', 403);
    // unsigned chunks stream through (nothing is held), so only the decoded length bounds them
    ok(await decode(await frame(payload, [20_000]), { trailer: false, maxChunkBytes: 10_000 }));
    bodyError(await decode(Buffer.from('ffffffff\r\nabc'), { trailer: false, decodedLength: 100 }), 'IncompleteBody', 400);
    bodyError(await decode(Buffer.from('fffffffffffffff\r\n'), { trailer: false }), 'IncompleteBody', 400);
  });

  it('only the last chunk may be under 8192 bytes: InvalidChunkSizeError with Chunk and BadChunkSize', async () => {
    const e = bodyError(await decode(await frame(payload, [5, 30_000]), { trailer: false }), 'InvalidChunkSizeError', 403);
    assert.equal(e.message, 'Only the last chunk is allowed to have a size less than 8192 bytes');
    assert.deepEqual(e.extra, { Chunk: '2', BadChunkSize: '5' });
    // the last data chunk may be small, and a body of one small chunk is fine
    ok(await decode(await frame(payload, [8192, 8192, 8192, 8192, 8192]), { trailer: false }));
    ok(await decode(await frame(payload.subarray(0, 10), [10]), { trailer: false }));
    // the limit can be lowered (S3 itself does not)
    ok(await decode(await frame(payload, [5, 30_000]), { trailer: false, minChunkBytes: 1 }));
  });

  it('X-Amz-Decoded-Content-Length held exactly: more or fewer payload bytes are IncompleteBody', async () => {
    const body = await frame(payload, [20_000]);
    ok(await decode(body, { trailer: false, decodedLength: payload.length }));
    bodyError(await decode(body, { trailer: false, decodedLength: payload.length - 1 }), 'IncompleteBody', 400);
    bodyError(await decode(body, { trailer: false, decodedLength: payload.length + 1 }), 'IncompleteBody', 400);
  });

  it('trailer framing: a trailer where none was declared, a line without a colon, a bad name, a repeat: MalformedTrailerError', async () => {
    const crc = checksumOf('CRC32', payload);
    const withTrailer = await frame(payload, [20_000], { trailers: [['x-amz-checksum-crc32', crc]] });
    const e = bodyError(await decode(withTrailer, { trailer: false }), 'MalformedTrailerError', 400);
    assert.equal(e.message, 'The request contained trailing data that was not well-formed or did not conform to our published schema.');
    const text = withTrailer.toString('latin1');
    const variants = [
      text.replace('x-amz-checksum-crc32:', 'x-amz-checksum-crc32'),
      text.replace('x-amz-checksum-crc32:', 'x amz:'),
      text.replace(`x-amz-checksum-crc32:${crc}\r\n`, `x-amz-checksum-crc32:${crc}\r\nx-amz-checksum-crc32:${crc}\r\n`),
      text.replace(`:${crc}\r\n`, `:${crc}\n`),
      text.replace(`x-amz-checksum-crc32:${crc}\r\n`, `x-amz-checksum-crc32:${'A'.repeat(2000)}\r\n`),
    ];
    for (const v of variants) bodyError(await decode(Buffer.from(v, 'latin1'), { trailer: true }), 'MalformedTrailerError', 400);
    // declared x-amz-trailer names must be the ones sent
    bodyError(await decode(withTrailer, { trailer: true, expectedTrailers: ['x-amz-checksum-crc32c'] }), 'MalformedTrailerError', 400);
    bodyError(await decode(await frame(payload, [20_000]), { trailer: true, expectedTrailers: ['x-amz-checksum-crc32'] }), 'MalformedTrailerError', 400);
    const d = ok(await decode(withTrailer, { trailer: true, expectedTrailers: ['x-amz-checksum-crc32'] }));
    assert.equal(d.trailers.get('x-amz-checksum-crc32'), crc);
  });

  it('signed trailers: a missing or wrong x-amz-trailer-signature is SignatureDoesNotMatch; unsigned bodies cannot carry one', async () => {
    const crc = checksumOf('CRC32', payload);
    const body = (await frame(payload, [20_000], { signing, trailers: [['x-amz-checksum-crc32', crc]] })).toString('latin1');
    const opts = { signing: chunkSigning, trailer: true };
    ok(await decode(Buffer.from(body, 'latin1'), opts));
    signatureError(await decode(Buffer.from(body.replace(/x-amz-trailer-signature:[0-9a-f]{64}\r\n/, ''), 'latin1'), opts));
    signatureError(await decode(Buffer.from(body.replace(/x-amz-trailer-signature:[0-9a-f]/, 'x-amz-trailer-signature:' + (body.includes('x-amz-trailer-signature:0') ? '1' : '0')), 'latin1'), opts));
    const unsigned = await frame(payload, [20_000], { trailers: [['x-amz-checksum-crc32', crc], ['x-amz-trailer-signature', 'ab'.repeat(32)]] });
    bodyError(await decode(unsigned, { trailer: true }), 'MalformedTrailerError', 400);
  });

  it('a decodedLength that is not a length is the caller’s bug: TypeError', () => {
    for (const bad of [Number.NaN, -1, 1.5, 2 ** 60]) assert.throws(() => new AwsChunkedDecoder({ trailer: false, decodedLength: bad }), TypeError);
  });

  it('a body that ends right after the zero chunk (no trailer section) decodes, unless a signed trailer is due', async () => {
    const body = await frame(payload, [20_000]);
    const bare = body.subarray(0, body.length - 2);
    assert.ok(bare.toString('latin1').endsWith('\r\n0\r\n'));
    assert.ok(ok(await decode(bare, { trailer: true })).data.equals(payload));
    const signed = await frame(payload, [20_000], { signing });
    signatureError(await decode(signed, { signing: chunkSigning, trailer: true }));
  });
});

// ------------------------------------------------------------------ property

describe('aws-chunked: property — random chunkings of random payloads decode to the payload', () => {
  it('300 random cases: unsigned or signed, with or without a trailer, written in random pieces', async () => {
    const key = randomBytes(32);
    for (let n = 0; n < 300; n++) {
      const size = Math.random() < 0.1 ? 0 : Math.floor(Math.random() ** 2 * 200_000);
      const payload = randomBytes(size);
      const sizes: number[] = [];
      for (let left = size; left > 0; ) {
        const c = 8192 + Math.floor(Math.random() * 40_000);
        sizes.push(c);
        left -= c;
      }
      const signed = Math.random() < 0.5;
      const withTrailer = Math.random() < 0.5;
      const signing = signed ? { amzDate: '20261128T101500Z', scope: '20261128/eu-west-1/s3/aws4_request', seed: randomBytes(32).toString('hex'), sign: hmacSigner(key) } : undefined;
      const trailers: [string, string][] | undefined = withTrailer ? [['x-amz-checksum-crc64nvme', checksumOf('CRC64NVME', payload)]] : undefined;
      const body = await frame(payload, sizes, { ...(signing ? { signing } : {}), ...(trailers ? { trailers } : {}) });
      const pieces: number[] = [];
      for (let left = body.length; left > 0; ) {
        const p = 1 + Math.floor(Math.random() * (Math.random() < 0.3 ? 20 : 70_000));
        pieces.push(p);
        left -= p;
      }
      const opts: AwsChunkedOptions = { trailer: withTrailer, decodedLength: size };
      if (signing) opts.signing = { key, amzDate: signing.amzDate, scope: signing.scope, seedSignature: signing.seed };
      const d = ok(await decode(body, opts, pieces), `case ${n}: size ${size}, signed ${signed}, trailer ${withTrailer}`);
      assert.ok(d.data.equals(payload), `case ${n}: payload`);
      if (trailers) assert.equal(d.trailers.get('x-amz-checksum-crc64nvme'), trailers[0]![1]);
    }
  });
});

// ------------------------------------------------------------------ real clients over HTTP(S)

interface Received {
  ok: boolean;
  payloadHash?: string;
  data?: Buffer;
  trailers?: Record<string, string>;
  checksumOk?: boolean;
  code?: string;
  status?: number;
  message?: string;
}

const SECRETS: Record<string, string> = { AKIDEXAMPLE: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const lookup: SecretLookup = async (ak) => {
  const secretAccessKey = SECRETS[ak];
  if (!secretAccessKey) throw new AuthFailure('unknownKey', 'The security token included in the request is invalid.');
  return { secretAccessKey };
};

/** An S3-shaped sink: verifies the request (body streamed), decodes aws-chunked, checks the trailing checksum. */
function sinkHandler(received: Received[]): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const signed: SignedRequest = { method: req.method ?? 'GET', rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headers, rawHeaders: req.rawHeaders };
    const fail = (code: string, status: number, message: string): void => {
      received.push({ ok: false, code, status, message });
      req.resume();
      res.writeHead(status, { 'content-type': 'application/xml', connection: 'close' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`);
    };
    verifySigV4(signed, lookup, { now: new Date(), uriEncoding: 'single' }).then(
      (v) => {
        const streaming = v.payloadHash?.startsWith('STREAMING-') ?? false;
        const trailerNames = String(req.headers['x-amz-trailer'] ?? '')
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean);
        const decoder = streaming
          ? new AwsChunkedDecoder({
              signing: v.chunkSigning,
              trailer: v.payloadHash!.endsWith('-TRAILER'),
              decodedLength: Number(req.headers['x-amz-decoded-content-length']),
              expectedTrailers: trailerNames,
            })
          : undefined;
        const chunks: Buffer[] = [];
        const source = decoder ? req.pipe(decoder) : req;
        source.on('data', (c: Buffer) => chunks.push(c));
        source.on('error', (e: unknown) => {
          if (e instanceof S3BodyError) fail(e.code, e.httpStatus, e.message);
          else if (e instanceof AuthFailure) fail('SignatureDoesNotMatch', 403, e.message);
          else fail('InternalError', 500, String(e));
        });
        source.on('end', () => {
          const data = Buffer.concat(chunks);
          const trailers = decoder ? Object.fromEntries(decoder.trailers) : {};
          let checksumOk: boolean | undefined;
          for (const [name, value] of Object.entries(trailers)) {
            const alg = checksumAlgorithmOf(name);
            if (alg) checksumOk = checksumOf(alg, data) === value;
          }
          if (v.expectedBodySha256 !== undefined && sha256(data) !== v.expectedBodySha256) return fail('XAmzContentSHA256Mismatch', 400, 'mismatch');
          received.push({ ok: true, payloadHash: v.payloadHash!, data, trailers, ...(checksumOk === undefined ? {} : { checksumOk }) });
          res.writeHead(200, { etag: `"${createHash('md5').update(data).digest('hex')}"` }).end();
        });
      },
      (e: unknown) => fail(e instanceof AuthFailure ? `auth:${e.kind}` : 'InternalError', 403, e instanceof Error ? e.message : String(e)),
    );
  };
}

describe('aws-chunked: real clients', () => {
  const received: Received[] = [];
  let server: http.Server;
  let port = 0;
  before(async () => {
    server = http.createServer(sinkHandler(received));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const s3 = (): S3Client =>
    new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRETS['AKIDEXAMPLE']! }, maxAttempts: 1 });

  it('JS SDK v3 PutObject with a stream body: STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer, decoded and checked', async () => {
    const client = s3();
    try {
      for (const size of [0, 11, 65_536, 300_001]) {
        const payload = randomBytes(size);
        const pieces: Buffer[] = [];
        for (let i = 0; i < size; i += 65_536) pieces.push(payload.subarray(i, i + 65_536));
        received.length = 0;
        await client.send(new PutObjectCommand({ Bucket: 'b', Key: `k${size}`, Body: Readable.from(pieces), ContentLength: size }));
        const r = received[0]!;
        assert.ok(r.ok, `${size}: ${r.code} ${r.message}`);
        assert.equal(r.payloadHash, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
        assert.ok(r.data!.equals(payload), `size ${size}`);
        assert.deepEqual(Object.keys(r.trailers!), ['x-amz-checksum-crc32']);
        assert.equal(r.checksumOk, true);
      }
    } finally {
      client.destroy();
    }
  });

  it('JS SDK v3 stream body in pieces under 8 KiB: the SDK reports S3’s InvalidChunkSizeError', async () => {
    const client = s3();
    try {
      received.length = 0;
      const body = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
      await assert.rejects(client.send(new PutObjectCommand({ Bucket: 'b', Key: 'small', Body: body, ContentLength: 11 })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InvalidChunkSizeError');
        assert.equal(e.$metadata?.httpStatusCode, 403);
        return true;
      });
    } finally {
      client.destroy();
    }
  });

  it('JS SDK v3 Buffer body: a hex x-amz-content-sha256 handed to the caller to compare (expectedBodySha256)', async () => {
    const client = s3();
    try {
      received.length = 0;
      const payload = randomBytes(1000);
      await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'buf', Body: payload }));
      assert.equal(received[0]!.ok, true);
      assert.equal(received[0]!.payloadHash, sha256(payload));
    } finally {
      client.destroy();
    }
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] signed with @smithy/signature-v4 and sent by its node handler', async () => {
    const handler = new NodeHttpHandler();
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRETS['AKIDEXAMPLE']! }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const when = new Date();
    const amzDate = when.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    try {
      for (const [withTrailer, tamper] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const payload = randomBytes(150_000);
        const headers: Record<string, string> = {
          host: `127.0.0.1:${port}`,
          'content-encoding': 'aws-chunked',
          'x-amz-content-sha256': withTrailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          'x-amz-decoded-content-length': String(payload.length),
        };
        if (withTrailer) headers['x-amz-trailer'] = 'x-amz-checksum-sha256';
        const unsigned = new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'PUT', path: '/bkt/signed%20chunks.bin', headers });
        const signedReq = await signer.sign(unsigned, { signingDate: when });
        const seed = /Signature=([0-9a-f]{64})/.exec(String(signedReq.headers['authorization']))![1]!;
        const body = await frame(payload, [65_536], {
          signing: { amzDate, scope, seed, sign: (sts) => signer.sign(sts, { signingDate: when }) },
          ...(withTrailer ? { trailers: [['x-amz-checksum-sha256', checksumOf('SHA256', payload)]] as [string, string][] } : {}),
        });
        if (tamper) body[100_000] = body[100_000]! ^ 1;
        signedReq.headers['content-length'] = String(body.length);
        signedReq.body = body;
        received.length = 0;
        const { response } = await handler.handle(signedReq as HttpRequest);
        (response.body as Readable).resume();
        const r = received[0]!;
        if (tamper) {
          assert.equal(response.statusCode, 403);
          assert.equal(r.code, 'SignatureDoesNotMatch');
          continue;
        }
        assert.equal(response.statusCode, 200, `${r.code} ${r.message}`);
        assert.ok(r.data!.equals(payload));
        assert.equal(r.checksumOk, withTrailer ? true : undefined);
      }
    } finally {
      handler.destroy();
    }
  });
});

describe('aws-chunked: botocore put_object over HTTPS (aws-chunked with a CRC32 trailer)', () => {
  const received: Received[] = [];
  let server: https.Server;
  let port = 0;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-chunked-'));
    const ca = createTestCa();
    const cert = issueCert(ca, ['127.0.0.1']);
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    server = https.createServer({ key: cert.keyPem, cert: cert.fullChainPem }, sinkHandler(received));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('payloads of 0, 11 and 300000 bytes arrive whole, the trailer checksum matches', async () => {
    const sizes = [0, 11, 300_000];
    const payloads = sizes.map((n) => randomBytes(n));
    const script = [
      'import sys, json, boto3',
      `c = boto3.client('s3', region_name='us-east-1', endpoint_url='https://127.0.0.1:${port}', verify=${JSON.stringify(join(dir, 'ca.pem'))}, aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key=${JSON.stringify(SECRETS['AKIDEXAMPLE'])})`,
      'for i, h in enumerate(json.load(sys.stdin)):',
      "    c.put_object(Bucket='b', Key='k%d' % i, Body=bytes.fromhex(h))",
    ].join('\n');
    const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', HOME: dir } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(JSON.stringify(payloads.map((p) => p.toString('hex'))));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, stderr);
    assert.equal(received.length, sizes.length);
    received.forEach((r, i) => {
      assert.ok(r.ok, `${sizes[i]}: ${r.code} ${r.message}`);
      assert.equal(r.payloadHash, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
      assert.ok(r.data!.equals(payloads[i]!), `size ${sizes[i]}`);
      assert.equal(r.checksumOk, true);
    });
  });
});
