import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AuthFailure, EMPTY_SHA256, MESSAGES, type ChunkSigning } from './sigv4.js';

/**
 * Decodes an `aws-chunked` request body (Content-Encoding: aws-chunked) as S3 receives it from the
 * SDKs, streaming: only payload bytes come out, memory is bounded by the chunk size.
 *
 *   <hex-size>[;chunk-signature=<64 hex>]\r\n<data>\r\n … 0[;chunk-signature=…]\r\n[<trailers>]\r\n
 *
 * - STREAMING-UNSIGNED-PAYLOAD-TRAILER (JS SDK stream bodies, botocore over HTTPS): no chunk
 *   signatures, trailers such as `x-amz-checksum-crc32:…` after the last chunk.
 * - STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: every chunk signed, chained from the request's
 *   seed signature; a signed chunk's bytes are held until its signature verifies, so nothing
 *   unverified is ever emitted. With -TRAILER the trailers carry `x-amz-trailer-signature`.
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 *
 * Errors end the stream (destroy): AuthFailure 'badSignature' for a chunk or trailer signature
 * (S3 SignatureDoesNotMatch 403) or S3BodyError with S3's code. Checking a trailing checksum
 * against the payload is the caller's (it knows the algorithm from x-amz-trailer).
 */
export interface AwsChunkedOptions {
  /** From VerifiedRequest.chunkSigning: chunks must carry valid chained signatures. */
  signing?: ChunkSigning | undefined;
  /** The payload hash names a trailer (…-TRAILER): trailer lines may follow the last chunk. */
  trailer: boolean;
  /** X-Amz-Decoded-Content-Length, parsed by the caller: the payload must be exactly this long. */
  decodedLength?: number | undefined;
  /** Largest signed chunk accepted (default 16 MiB): a signed chunk is held in memory until verified. */
  maxChunkBytes?: number;
  /** S3 refuses a chunk under 8 KiB unless it is the last one with data (default 8192). */
  minChunkBytes?: number;
  /** The x-amz-trailer names (lower case): when given, the trailers sent must be exactly these. */
  expectedTrailers?: readonly string[] | undefined;
}

export type S3BodyErrorCode = 'IncompleteBody' | 'InvalidChunkSizeError' | 'MalformedTrailerError' | 'InvalidRequest';

/** A body S3 refuses, with S3's code, message and status (and extra error elements, e.g. Chunk). */
export class S3BodyError extends Error {
  constructor(
    readonly code: S3BodyErrorCode,
    message: string,
    readonly httpStatus: number,
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'S3BodyError';
  }
}

export const DEFAULT_MAX_CHUNK_BYTES = 16 * 1024 * 1024;
export const MIN_CHUNK_BYTES = 8192;
/** A chunk header is `<≤16 hex digits>;chunk-signature=<64 hex>`: ~100 bytes. */
const MAX_LINE_BYTES = 1024;
const MAX_TRAILERS = 16;
const MAX_TRAILER_BYTES = 8192;

const INCOMPLETE = 'The request body terminated unexpectedly';
const MALFORMED_TRAILER = 'The request contained trailing data that was not well-formed or did not conform to our published schema.';
const SMALL_CHUNK = 'Only the last chunk is allowed to have a size less than 8192 bytes';
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

const incomplete = (): S3BodyError => new S3BodyError('IncompleteBody', INCOMPLETE, 400);
const malformedTrailer = (): S3BodyError => new S3BodyError('MalformedTrailerError', MALFORMED_TRAILER, 400);

const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILER = 3;
const DONE = 4;

export class AwsChunkedDecoder extends Transform {
  private readonly signing: ChunkSigning | undefined;
  private readonly trailerAllowed: boolean;
  private readonly decodedLength: number | undefined;
  private readonly maxChunk: number;
  private readonly minChunk: number;
  private readonly expectedTrailers: readonly string[] | undefined;

  private state = SIZE;
  private line: Buffer[] = [];
  private lineLength = 0;
  private remaining = 0;
  private crlf = 0;
  private chunkCount = 0;
  private previousSize = -1;
  private total = 0;
  private previousSignature: string;
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  private held: Buffer[] = [];
  private readonly trailerMap = new Map<string, string>();
  private trailerSignature: string | undefined;
  private trailerCanonical = '';
  private trailerBytes = 0;

  constructor(opts: AwsChunkedOptions) {
    super();
    // Parsing X-Amz-Decoded-Content-Length (and refusing a bad one) is the caller's: NaN here is a bug.
    if (opts.decodedLength !== undefined && !(Number.isSafeInteger(opts.decodedLength) && opts.decodedLength >= 0)) {
      throw new TypeError(`decodedLength must be a non-negative integer, got ${opts.decodedLength}`);
    }
    this.signing = opts.signing;
    this.trailerAllowed = opts.trailer;
    this.decodedLength = opts.decodedLength;
    this.maxChunk = opts.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
    this.minChunk = opts.minChunkBytes ?? MIN_CHUNK_BYTES;
    this.expectedTrailers = opts.expectedTrailers;
    this.previousSignature = opts.signing?.seedSignature ?? '';
  }

  /** The trailers (lower-case names, `x-amz-trailer-signature` left out); complete after 'end'. */
  get trailers(): ReadonlyMap<string, string> {
    return this.trailerMap;
  }

  /** Payload bytes decoded so far. */
  get bytesDecoded(): number {
    return this.total;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.consume(chunk);
      cb();
    } catch (e) {
      this.state = DONE;
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.state !== DONE) {
        // A body that ends right after the last chunk's line has no trailer section at all; that
        // loses nothing (every payload byte was framed), unless a signed trailer was required.
        const bareEnd = this.state === TRAILER && this.lineLength === 0 && this.trailerMap.size === 0 && this.trailerSignature === undefined;
        if (!bareEnd || (this.signing && this.trailerAllowed)) throw incomplete();
        this.finish();
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private consume(buf: Buffer): void {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case SIZE:
        case TRAILER: {
          const nl = buf.indexOf(10, i);
          const end = nl < 0 ? n : nl;
          this.appendLine(buf.subarray(i, end));
          i = nl < 0 ? n : nl + 1;
          if (nl >= 0) {
            const line = this.takeLine();
            if (this.state === SIZE) this.chunkHeader(line);
            else this.trailerLine(line);
          }
          break;
        }
        case DATA: {
          const take = Math.min(this.remaining, n - i);
          const piece = buf.subarray(i, i + take);
          if (this.chunkHash) {
            this.chunkHash.update(piece);
            this.held.push(piece);
          } else {
            this.push(piece);
          }
          this.remaining -= take;
          this.total += take;
          i += take;
          if (this.remaining === 0) {
            this.state = DATA_END;
            this.crlf = 0;
          }
          break;
        }
        case DATA_END: {
          if (buf[i] !== (this.crlf === 0 ? 13 : 10)) throw incomplete();
          i++;
          if (++this.crlf === 2) {
            if (this.chunkHash) {
              this.verifyChunk(this.chunkHash.digest('hex'));
              for (const piece of this.held) this.push(piece);
              this.held = [];
              this.chunkHash = undefined;
            }
            this.state = SIZE;
          }
          break;
        }
        default:
          // Bytes after the end of the encoding.
          throw incomplete();
      }
    }
  }

  private appendLine(part: Buffer): void {
    if (part.length === 0) return;
    this.lineLength += part.length;
    if (this.lineLength > MAX_LINE_BYTES + 1) throw this.state === TRAILER ? malformedTrailer() : incomplete();
    this.line.push(part);
  }

  /** The line read up to `\n`, which must have ended with `\r\n`; latin1, so bytes map to chars. */
  private takeLine(): string {
    const raw = this.line.length === 1 ? this.line[0]! : Buffer.concat(this.line, this.lineLength);
    this.line = [];
    this.lineLength = 0;
    if (raw.length === 0 || raw[raw.length - 1] !== 13) throw this.state === TRAILER ? malformedTrailer() : incomplete();
    return raw.toString('latin1', 0, raw.length - 1);
  }

  private chunkHeader(line: string): void {
    const semi = line.indexOf(';');
    const sizeText = semi < 0 ? line : line.slice(0, semi);
    if (!/^[0-9A-Fa-f]{1,16}$/.test(sizeText)) throw incomplete();
    const size = parseInt(sizeText, 16);
    let signature: string | undefined;
    if (semi >= 0) {
      for (const ext of line.slice(semi + 1).split(';')) {
        const eq = ext.indexOf('=');
        if (eq > 0 && ext.slice(0, eq) === 'chunk-signature') signature = ext.slice(eq + 1);
      }
    }
    this.chunkCount++;
    if (size > 0 && this.previousSize >= 0 && this.previousSize < this.minChunk) {
      throw new S3BodyError('InvalidChunkSizeError', SMALL_CHUNK, 403, { Chunk: String(this.chunkCount), BadChunkSize: String(this.previousSize) });
    }
    if (!Number.isSafeInteger(size)) throw incomplete();
    // Only signed chunks are held in memory (until verified); unsigned ones stream through.
    if (this.signing && size > this.maxChunk) {
      throw new S3BodyError('InvalidChunkSizeError', `Chunk size ${size} exceeds the largest chunk this server accepts (${this.maxChunk} bytes)`, 403, {
        Chunk: String(this.chunkCount),
        BadChunkSize: String(size),
      });
    }
    if (this.decodedLength !== undefined && this.total + size > this.decodedLength) throw incomplete();
    if (this.signing) {
      if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) throw incomplete();
      this.chunkSignature = signature;
    }
    this.previousSize = size;
    if (size === 0) {
      if (this.signing) this.verifyChunk(EMPTY_SHA256);
      this.state = TRAILER;
      return;
    }
    this.remaining = size;
    this.state = DATA;
    if (this.signing) this.chunkHash = createHash('sha256');
  }

  private verifyChunk(dataHash: string): void {
    const s = this.signing!;
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${EMPTY_SHA256}\n${dataHash}`;
    this.checkSignature(sts, this.chunkSignature);
    this.previousSignature = this.chunkSignature;
  }

  private checkSignature(stringToSign: string, provided: string): void {
    const expected = createHmac('sha256', this.signing!.key).update(stringToSign, 'utf8').digest();
    const given = Buffer.from(provided, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(expected, given)) {
      throw new AuthFailure('badSignature', MESSAGES.signatureMismatch, { stringToSign, signatureProvided: provided });
    }
  }

  private trailerLine(line: string): void {
    if (line === '') return this.finish();
    this.trailerBytes += line.length + 2;
    if (!this.trailerAllowed || this.trailerBytes > MAX_TRAILER_BYTES || this.trailerMap.size >= MAX_TRAILERS) throw malformedTrailer();
    if (this.trailerSignature !== undefined) throw malformedTrailer(); // the signature comes last
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedTrailer();
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!/^[a-z0-9-]+$/.test(name) || this.trailerMap.has(name)) throw malformedTrailer();
    if (name === TRAILER_SIGNATURE) {
      if (!this.signing || !/^[0-9a-f]{64}$/.test(value)) throw malformedTrailer();
      this.trailerSignature = value;
      return;
    }
    this.trailerMap.set(name, value);
    this.trailerCanonical += `${name}:${value}\n`;
  }

  private finish(): void {
    if (this.signing && this.trailerAllowed) {
      if (this.trailerSignature === undefined) {
        throw new AuthFailure('badSignature', MESSAGES.signatureMismatch, { signatureProvided: '' });
      }
      const s = this.signing;
      const hash = createHash('sha256').update(this.trailerCanonical, 'latin1').digest('hex');
      this.checkSignature(`AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${hash}`, this.trailerSignature);
    }
    if (this.expectedTrailers) {
      const names = [...this.trailerMap.keys()];
      const want = this.expectedTrailers;
      if (names.length !== want.length || !want.every((n) => this.trailerMap.has(n))) throw malformedTrailer();
    }
    if (this.decodedLength !== undefined && this.total !== this.decodedLength) throw incomplete();
    this.state = DONE;
  }
}
