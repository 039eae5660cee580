import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream';
import { S3Error, s3Errors } from '../services/s3/errors.js';
import type { BodyDigests, ChecksumAlgorithm, IncomingBody } from '../services/s3/model.js';
import { AwsChunkedDecoder } from '../wire/aws-chunked.js';
import { checksumAlgorithmOf, createChecksum, isValidChecksumValue, type Checksum } from '../wire/checksums.js';
import { contentSha256Mismatch, type VerifiedRequest } from '../wire/sigv4.js';

/**
 * An S3 request body as it arrives, streamed: aws-chunked framing removed (chunk signatures
 * checked on the way), and every integrity claim the client made checked against the bytes —
 * the signed x-amz-content-sha256 (XAmzContentSHA256Mismatch), Content-MD5 (InvalidDigest /
 * BadDigest), and one flexible checksum in a header or a trailer (InvalidRequest / BadDigest,
 * "The CRC32 you specified did not match the calculated checksum."). MD5 is always computed: it
 * is a single PUT's ETag. Memory stays bounded whatever the size.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export interface BodyPlan {
  readonly req: IncomingMessage;
  readonly verified: VerifiedRequest | undefined;
}

const CHECKSUM_PREFIX = 'x-amz-checksum-';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
}

/** The declared length of the payload, or undefined when the client sent none (then S3 wants Content-Length). */
export function isAwsChunked(req: IncomingMessage, verified: VerifiedRequest | undefined): boolean {
  const enc = header(req, 'content-encoding') ?? '';
  return (verified?.payloadHash ?? header(req, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-') || /(^|,)\s*aws-chunked\s*(,|$)/i.test(enc);
}

/**
 * Validates what can be checked before any byte is read and returns the body. Throws S3Error for
 * a malformed Content-MD5 or checksum header, several checksums, or a missing length.
 */
export function incomingBody(plan: BodyPlan, opts: { requireLength: boolean }): IncomingBody {
  const { req, verified } = plan;
  const chunked = isAwsChunked(req, verified);
  const contentLength = header(req, 'content-length');
  const decoded = header(req, 'x-amz-decoded-content-length');
  let length: number | undefined;
  if (chunked) {
    if (decoded !== undefined && !/^\d{1,15}$/.test(decoded)) throw s3Errors.invalidArgument('Invalid x-amz-decoded-content-length', 'x-amz-decoded-content-length', decoded);
    length = decoded === undefined ? undefined : Number(decoded);
    if (length === undefined && opts.requireLength) throw s3Errors.missingContentLength();
  } else {
    length = contentLength === undefined ? undefined : Number(contentLength);
    if (length === undefined && opts.requireLength) throw s3Errors.missingContentLength();
  }

  const md5Header = header(req, 'content-md5');
  let expectedMd5: string | undefined;
  if (md5Header !== undefined) {
    const raw = Buffer.from(md5Header, 'base64');
    if (raw.length !== 16 || raw.toString('base64') !== md5Header.trim()) throw s3Errors.invalidDigest(md5Header);
    expectedMd5 = raw.toString('hex');
  }

  // One flexible checksum, in a header or announced as a trailer.
  const declared: { algorithm: ChecksumAlgorithm; value: string | undefined; trailer: boolean }[] = [];
  for (const name of Object.keys(req.headers)) {
    if (!name.startsWith(CHECKSUM_PREFIX) || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm') continue;
    const algorithm = checksumAlgorithmOf(name);
    if (!algorithm) continue;
    declared.push({ algorithm, value: header(req, name), trailer: false });
  }
  const trailerNames = (header(req, 'x-amz-trailer') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const t of trailerNames) {
    const algorithm = checksumAlgorithmOf(t);
    if (algorithm) declared.push({ algorithm, value: undefined, trailer: true });
  }
  if (declared.length > 1) throw s3Errors.invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const claim = declared[0];
  if (claim && !claim.trailer && !isValidChecksumValue(claim.algorithm, claim.value ?? '')) {
    throw s3Errors.invalidRequest(`Value for x-amz-checksum-${claim.algorithm.toLowerCase()} header is invalid.`);
  }
  // x-amz-sdk-checksum-algorithm alone asks S3 to compute and keep that checksum.
  const sdkAlgorithm = header(req, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
  const algorithm = claim?.algorithm ?? (sdkAlgorithm ? checksumAlgorithmOf(`${CHECKSUM_PREFIX}${sdkAlgorithm}`) : undefined);

  const md5 = createHash('md5');
  const sha256: Hash | undefined = verified?.expectedBodySha256 !== undefined ? createHash('sha256') : undefined;
  const checksum: Checksum | undefined = algorithm ? createChecksum(algorithm) : undefined;
  let decoder: AwsChunkedDecoder | undefined;
  let received = 0;
  let ended = false;

  async function* stream(): AsyncGenerator<Uint8Array> {
    let source: AsyncIterable<Buffer> = req;
    if (chunked) {
      decoder = new AwsChunkedDecoder({
        signing: verified?.chunkSigning,
        trailer: (verified?.payloadHash ?? '').endsWith('-TRAILER') || trailerNames.length > 0,
        decodedLength: length,
        expectedTrailers: trailerNames.length ? trailerNames : undefined,
      });
      pipeline(req, decoder, () => undefined);
      source = decoder;
    }
    for await (const chunk of source) {
      received += chunk.length;
      if (length !== undefined && received > length) throw s3Errors.incompleteBody();
      md5.update(chunk);
      sha256?.update(chunk);
      checksum?.update(chunk);
      yield chunk;
    }
    if (length !== undefined && received !== length) throw s3Errors.incompleteBody();
    ended = true;
  }

  return {
    length,
    stream: stream(),
    digests: async (): Promise<BodyDigests> => {
      if (!ended) throw s3Errors.incompleteBody();
      if (sha256 && verified?.expectedBodySha256 !== undefined) {
        const actual = sha256.digest('hex');
        if (actual !== verified.expectedBodySha256) throw contentSha256Mismatch(verified.expectedBodySha256, actual);
      }
      const md5Hex = md5.digest('hex');
      if (expectedMd5 !== undefined && expectedMd5 !== md5Hex) {
        throw s3Errors.badDigestMd5(Buffer.from(expectedMd5, 'hex').toString('base64'), Buffer.from(md5Hex, 'hex').toString('base64'));
      }
      if (!algorithm || !checksum) return { md5Hex, checksum: undefined };
      const value = checksum.digest();
      let claimed = claim?.value;
      if (claim?.trailer) {
        claimed = decoder?.trailers.get(`${CHECKSUM_PREFIX}${claim.algorithm.toLowerCase()}`);
        if (claimed === undefined) throw new S3Error('MalformedTrailerError', 'The request contained trailing data that was not well-formed or did not conform to our published schema.', 400);
        if (!isValidChecksumValue(claim.algorithm, claimed)) throw s3Errors.invalidRequest(`Value for x-amz-checksum-${claim.algorithm.toLowerCase()} trailing header is invalid.`);
      }
      if (claimed !== undefined && claimed !== value) throw s3Errors.badDigestChecksum(algorithm);
      return { md5Hex, checksum: { algorithm, value } };
    },
  };
}

/** Reads a whole small body through the same checks (DeleteObjects, CompleteMultipartUpload, policies). */
export async function collectBody(body: IncomingBody, max: number, tooLarge: () => S3Error): Promise<{ bytes: Buffer; digests: BodyDigests }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body.stream) {
    size += c.length;
    if (size > max) throw tooLarge();
    chunks.push(Buffer.from(c.buffer, c.byteOffset, c.length));
  }
  return { bytes: Buffer.concat(chunks), digests: await body.digests() };
}
