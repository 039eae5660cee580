import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { AwsError } from '../aws/error.js';
import { IamDataCatalog } from '../catalog/iam-data.js';
import type { Caller } from '../iam/authorizer.js';
import { S3Error, s3Errors } from '../services/s3/errors.js';
import type { AuthorizationCall, ContextEntry, IncomingBody, S3Caller, S3Env } from '../services/s3/model.js';
import { S3Service } from '../services/s3/service.js';
import { FsBlobStore } from '../store/blobs.js';
import type { BlobRead, BlobStore } from '../store/blob-store.js';
import { PostgresStore } from '../store/postgres.js';
import type { Store } from '../store/store.js';
import { S3BodyError } from '../wire/aws-chunked.js';
import { createChecksum } from '../wire/checksums.js';
import { S3_MODEL } from '../wire/models/s3.js';
import { RestInputError, S3_NAMESPACE, XML_DECLARATION, decodeRestInput, encodeRestOutput, escapeXmlText, selectOperation } from '../wire/rest-xml.js';
import { AuthFailure, type SignedRequest } from '../wire/sigv4.js';
import { authenticateS3, s3AuthError, type S3Authentication } from './auth.js';
import { authorizeAnonymous } from './s3-anonymous.js';
import { collectBody, incomingBody } from './s3-body.js';
import { authorizeCall, type AwsRequest, type AwsServiceHandler, type ServiceContext } from './service-context.js';

/**
 * S3 on the AWS endpoint (REST-XML): addressing (path style `/bucket/key`, virtual-hosted
 * `bucket.localhost` and `bucket.s3.…`), operation selection from the S3 model, authentication
 * (SigV4 header and presigned, SigV2, anonymous), streamed bodies, and S3's error documents.
 * Each operation's semantics and authorization live in services/s3.
 */

/** Root elements of S3's XML responses (the model does not name them; the API reference does). */
const ROOTS: Readonly<Record<string, string>> = {
  ListBuckets: 'ListAllMyBucketsResult',
  ListObjects: 'ListBucketResult',
  ListObjectsV2: 'ListBucketResult',
  CreateMultipartUpload: 'InitiateMultipartUploadResult',
  CompleteMultipartUpload: 'CompleteMultipartUploadResult',
  ListParts: 'ListPartsResult',
  ListMultipartUploads: 'ListMultipartUploadsResult',
  DeleteObjects: 'DeleteResult',
};

/** Operations whose (small) request body is read whole: limits per body. */
const BUFFERED: Readonly<Record<string, number>> = {
  CreateBucket: 64 * 1024,
  DeleteObjects: 2 * 1024 * 1024,
  CompleteMultipartUpload: 4 * 1024 * 1024,
  PutBucketPolicy: 64 * 1024,
};

/** Operations S3 refuses without a Content-MD5 or flexible checksum (`httpChecksum.requestChecksumRequired`). */
const CHECKSUM_REQUIRED = new Set(['DeleteObjects']);

/**
 * Sub-resources of S3's API that this endpoint does not serve: a request naming one gets
 * NotImplemented rather than being mistaken for a plain GET or PUT of the bucket or object.
 */
const UNSERVED_SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'logging', 'metadataTable', 'metrics', 'notification', 'object-lock', 'ownershipControls', 'policyStatus',
  'publicAccessBlock', 'renameObject', 'replication', 'requestPayment', 'restore', 'retention', 'select', 'session',
  'tagging', 'torrent', 'versioning', 'versions', 'website',
];

/**
 * Headers that ask for what this endpoint does not do; ignoring them would store something other
 * than what the client asked for (UploadPartCopy would take the empty body as the part; SSE-C
 * would leave the bytes readable without the customer's key).
 */
const UNSERVED_HEADERS = [
  'x-amz-copy-source',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-copy-source-server-side-encryption-customer-algorithm',
  'x-amz-bucket-object-lock-enabled',
  'x-amz-object-lock-mode',
  'x-amz-write-offset-bytes',
];

/** Object bytes live with the metadata: in PostgreSQL when replicas share it, else in files under DIR/s3. */
function blobStoreFor(store: Store, dataDir: string): BlobStore {
  if (store.backend !== 'postgres') return new FsBlobStore(join(dataDir, 's3'));
  if (!(store instanceof PostgresStore)) throw new Error('a postgres store that is not a PostgresStore has no blob store');
  return store.blobStore();
}

export function s3Handler(ctx: ServiceContext): AwsServiceHandler {
  const blobs = blobStoreFor(ctx.store, ctx.dataDir);
  let service: S3Service | undefined;
  const ready = (async () => {
    const catalog = await IamDataCatalog.load(['s3']);
    const env: S3Env = {
      store: ctx.store,
      blobs,
      now: ctx.now,
      random: ctx.env.random,
      account: ctx.account,
      region: ctx.region,
      catalog,
      checksum: (algorithm) => createChecksum(algorithm),
    };
    const s = new S3Service(env);
    const swept = await s.recover();
    if (swept.blobs || swept.temporary) ctx.log.info(`s3: removed ${swept.blobs} unreferenced blob(s) and ${swept.temporary} temporary file(s)`);
    service = s;
  })();
  ready.catch((e: unknown) => ctx.log.error('s3: startup recovery failed', e));
  // x-amz-id-2: an opaque 24-byte id per response, cut from a pool refilled 128 ids at a time
  // (one call into the random source per 128 responses instead of one per response).
  let pool = Buffer.alloc(0);
  let at = 0;
  const hostId = (): string => {
    if (at + 24 > pool.length) {
      pool = Buffer.from(ctx.env.random(24 * 128));
      at = 0;
    }
    at += 24;
    return pool.toString('base64', at - 24, at);
  };
  const localHost = hostname().toLowerCase();

  return async (r) => {
    const started = service ?? (await ready.then(() => service));
    if (!started) throw new Error('s3 is not available');
    const head = r.req.method === 'HEAD';
    const seen = { op: '-' };
    try {
      await serve(ctx, started, r, localHost, hostId, seen);
    } catch (e) {
      const err = toS3Error(e, ctx);
      writeError(r, err, head, hostId());
      ctx.log.info(`S3 ${seen.op} ${err.httpStatus} ${err.code} ${r.requestId}`);
    }
  };
}

async function serve(ctx: ServiceContext, service: S3Service, r: AwsRequest, localHost: string, hostId: () => string, seen: { op: string }): Promise<void> {
  const { req } = r;
  const method = req.method ?? 'GET';
  const vhost = virtualHostBucket(req.headers.host, localHost);
  const { bucket, key } = addressOf(r.rawPath, vhost);
  const query = queryParams(r.rawQuery);
  const labels: Record<string, string> = {};
  if (bucket !== undefined) labels['Bucket'] = bucket;
  if (key !== undefined) labels['Key'] = key;
  let op = selectOperation(S3_MODEL, method, labels, query, req.headers);
  if (op === 'GetObject' && method === 'HEAD') op = 'HeadObject';
  const unserved = UNSERVED_SUBRESOURCES.find((s) => query.has(s));
  if (unserved !== undefined) throw s3Errors.notImplemented(`?${unserved}`);
  if (!op) throw s3Errors.methodNotAllowed(method, bucket === undefined ? 'SERVICE' : key === undefined ? 'BUCKET' : 'OBJECT');
  seen.op = op;
  const unservedHeader = UNSERVED_HEADERS.find((h) => {
    const v = req.headers[h];
    if (v === undefined) return false;
    if (h === 'x-amz-copy-source') return op === 'UploadPart';
    return h !== 'x-amz-bucket-object-lock-enabled' || String(v).toLowerCase() === 'true';
  });
  if (unservedHeader !== undefined) throw s3Errors.notImplemented(unservedHeader);

  // Authentication comes first: a bad signature is refused before anything else is looked at.
  const signed: SignedRequest = { method, rawPath: r.rawPath, rawQuery: r.rawQuery, headers: req.headers, rawHeaders: req.rawHeaders, body: undefined };
  const auth = await authenticateS3(ctx.credentials, signed, ctx.now(), { virtualHostBucket: vhost });
  const caller = s3Caller(ctx, r, auth);

  let bodyBytes: Buffer | undefined;
  let body: IncomingBody | undefined;
  const verified = auth.kind === 'signed' ? auth.verified : undefined;
  const limit = BUFFERED[op];
  if (limit !== undefined) {
    const b = incomingBody({ req, verified }, { requireLength: false });
    if (CHECKSUM_REQUIRED.has(op) && req.headers['content-md5'] === undefined && !hasChecksum(req)) {
      throw s3Errors.invalidRequest('Missing required header for this request: Content-MD5');
    }
    const got = await collectBody(b, limit, () => (op === 'PutBucketPolicy' ? s3Errors.malformedPolicy('Policies must be less than 20 KB in size') : s3Errors.malformedXml()));
    bodyBytes = got.bytes;
  } else if (op === 'PutObject' || op === 'UploadPart') {
    body = incomingBody({ req, verified }, { requireLength: true });
  }

  let input: Record<string, unknown>;
  try {
    input = decodeRestInput(S3_MODEL, op, { labels, query, headers: req.headers, body: bodyBytes });
  } catch (e) {
    if (e instanceof RestInputError) throw s3Errors.invalidArgument(e.message, e.argumentName, e.argumentValue);
    throw e;
  }
  const requestRegion = auth.kind === 'signed' && auth.region ? auth.region : ctx.region;

  let output: Record<string, unknown>;
  let status: number | undefined;
  let stream: BlobRead | undefined;
  switch (op) {
    case 'ListBuckets':
      output = await service.buckets.listBuckets(caller, input);
      break;
    case 'CreateBucket':
      output = await service.buckets.createBucket(caller, input, requestRegion);
      break;
    case 'HeadBucket':
      output = await service.buckets.headBucket(caller, input);
      break;
    case 'DeleteBucket':
      output = await service.buckets.deleteBucket(caller, input);
      break;
    case 'GetBucketLocation':
      output = await service.buckets.getBucketLocation(caller, input);
      break;
    case 'PutBucketPolicy':
      output = await service.buckets.putBucketPolicy(caller, input);
      break;
    case 'GetBucketPolicy':
      output = await service.buckets.getBucketPolicy(caller, input);
      break;
    case 'DeleteBucketPolicy':
      output = await service.buckets.deleteBucketPolicy(caller, input);
      break;
    case 'ListObjectsV2':
      output = await service.listing.listObjectsV2(caller, input);
      break;
    case 'ListObjects':
      output = await service.listing.listObjects(caller, input);
      break;
    case 'PutObject':
      output = await service.objects.putObject(caller, input, body as IncomingBody);
      break;
    case 'GetObject':
    case 'HeadObject': {
      const got = await service.objects.getObject(caller, input, op === 'HeadObject');
      output = got.output;
      status = got.status;
      stream = got.body;
      break;
    }
    case 'DeleteObject':
      output = await service.objects.deleteObject(caller, input);
      break;
    case 'DeleteObjects':
      output = await service.objects.deleteObjects(caller, input);
      break;
    case 'CopyObject':
      output = await service.objects.copyObject(caller, input);
      break;
    case 'CreateMultipartUpload':
      output = await service.multipart.createMultipartUpload(caller, input);
      break;
    case 'UploadPart':
      output = await service.multipart.uploadPart(caller, input, body as IncomingBody);
      break;
    case 'CompleteMultipartUpload':
      output = await service.multipart.completeMultipartUpload(caller, input);
      break;
    case 'AbortMultipartUpload':
      output = await service.multipart.abortMultipartUpload(caller, input);
      break;
    case 'ListParts':
      output = await service.multipart.listParts(caller, input);
      break;
    case 'ListMultipartUploads':
      output = await service.multipart.listMultipartUploads(caller, input);
      break;
    default:
      throw s3Errors.methodNotAllowed(method, key === undefined ? 'BUCKET' : 'OBJECT');
  }

  const encoded = encodeRestOutput(S3_MODEL, op === 'HeadObject' ? 'HeadObject' : op, output, ROOTS[op]);
  const headers: Record<string, string | number> = { ...encoded.headers, 'x-amz-request-id': r.requestId, 'x-amz-id-2': hostId() };
  let text = encoded.body;
  if (op === 'GetBucketLocation') {
    const lc = String(output['LocationConstraint'] ?? '');
    text = `${XML_DECLARATION}<LocationConstraint xmlns="${S3_NAMESPACE}">${escapeXmlText(lc)}</LocationConstraint>`;
  }
  if (op === 'CreateBucket' && typeof output['Location'] === 'string') headers['location'] = output['Location'];
  const code = status ?? encoded.status;
  if (stream || op === 'GetObject' || op === 'HeadObject') {
    await writeObject(r, code, headers, stream, method === 'HEAD');
  } else {
    if (text !== undefined) {
      headers['content-type'] = op === 'GetBucketPolicy' ? 'application/json' : 'application/xml';
      headers['content-length'] = Buffer.byteLength(text);
    } else headers['content-length'] = 0;
    r.res.writeHead(code, headers).end(method === 'HEAD' ? undefined : text);
  }
  ctx.log.info(`S3 ${op} ${code} ${r.requestId}`);
}

async function writeObject(r: AwsRequest, status: number, headers: Record<string, string | number>, read: BlobRead | undefined, head: boolean): Promise<void> {
  const res = r.res;
  if (status === 304) {
    delete headers['content-length'];
    res.writeHead(304, headers).end();
    return;
  }
  if (head || !read) {
    res.writeHead(status, headers).end();
    return;
  }
  headers['content-length'] = read.length;
  if (read.bytes) {
    res.writeHead(status, headers).end(read.bytes);
    return;
  }
  res.writeHead(status, headers);
  await new Promise<void>((resolve) => {
    pipeline(Readable.from(read.stream as AsyncIterable<Uint8Array>, { objectMode: false }), res, () => {
      void read.close().then(resolve);
    });
  });
}

/** Who the domain sees: the signer (identity, boundary, session and bucket policies) or the anonymous principal. */
function s3Caller(ctx: ServiceContext, r: AwsRequest, auth: S3Authentication): S3Caller {
  const context: ContextEntry[] = [];
  const facts = { ...r.facts, region: auth.kind === 'signed' && auth.region ? auth.region : ctx.region };
  if (auth.kind === 'signed') {
    context.push({ key: 's3:authType', values: [auth.presigned ? 'REST-QUERY-STRING' : 'REST-HEADER'] });
    context.push({ key: 's3:signatureversion', values: [auth.signatureVersion === 4 ? 'AWS4-HMAC-SHA256' : 'AWS'] });
    if (auth.verified) context.push({ key: 's3:signatureAge', values: [String(Math.max(0, ctx.now().getTime() - auth.verified.signedAt.getTime()))], type: 'numeric' });
  }
  const sha = r.req.headers['x-amz-content-sha256'];
  if (typeof sha === 'string') context.push({ key: 's3:x-amz-content-sha256', values: [sha] });
  if (auth.kind === 'anonymous') {
    return {
      arn: 'anonymous',
      id: '65a011a29cdf8ec533ec3d1ccaae921c',
      context,
      authorize: async (call: AuthorizationCall) => {
        const out = authorizeAnonymous(ctx, { requestId: r.requestId, facts, ...call });
        return out === 'allowed' ? undefined : 'Access Denied';
      },
    };
  }
  const who: Caller = auth.caller;
  return {
    arn: who.arn,
    id: who.kind === 'session' ? `${who.roleId}:${who.sessionName}` : who.userId,
    context,
    authorize: async (call: AuthorizationCall) => {
      const out = await authorizeCall(ctx, {
        requestId: r.requestId,
        caller: who,
        action: call.action,
        resource: call.resource,
        facts,
        resourcePolicy: call.resourcePolicy,
        resourceAccount: ctx.account,
        context: call.context,
        shownResource: `"${call.resource}"`,
      });
      return out.decision.decision === 'allowed' ? undefined : out.message;
    },
  };
}

function hasChecksum(req: IncomingMessage): boolean {
  if (req.headers['x-amz-trailer'] !== undefined) return true;
  return Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-type' && h !== 'x-amz-checksum-algorithm');
}

// ---- addressing -----------------------------------------------------------------------------

/**
 * The bucket a Host header names in virtual-hosted style: `bucket.s3.<anything>` (AWS's own
 * endpoints and S3-style domains), `bucket.localhost` (every `*.localhost` name resolves to the
 * loopback address, RFC 6761) and `bucket.<this machine's hostname>`. An IP address, `localhost`
 * or any other name means path style.
 */
export function virtualHostBucket(host: string | undefined, localHost = ''): string | undefined {
  if (!host) return undefined;
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return undefined;
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) return undefined;
  for (const marker of ['.s3.', '.s3-']) {
    const i = h.indexOf(marker);
    if (i > 0) return h.slice(0, i);
  }
  if (h.endsWith('.localhost')) return h.slice(0, -'.localhost'.length) || undefined;
  if (localHost && h.endsWith(`.${localHost}`)) return h.slice(0, -(localHost.length + 1)) || undefined;
  return undefined;
}

/** Bucket and key from the path (path style) or the Host (virtual-hosted). A trailing `/bucket/` is the bucket. */
export function addressOf(rawPath: string, vhostBucket: string | undefined): { bucket: string | undefined; key: string | undefined } {
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400, [['URI', rawPath]]);
    }
  };
  if (vhostBucket !== undefined) {
    const key = rawPath.length > 1 ? decode(rawPath.slice(1)) : undefined;
    return { bucket: vhostBucket, key };
  }
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (path === '') return { bucket: undefined, key: undefined };
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path), key: undefined };
  const rest = path.slice(slash + 1);
  return { bucket: decode(path.slice(0, slash)), key: rest === '' ? undefined : decode(rest) };
}

/** Query parameters decoded (`+` is a space, as S3 reads them); a repeated name keeps its first value. */
export function queryParams(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!rawQuery) return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    // Presigned-URL parameters are the signature check's (which reads them raw), never an input member.
    const v = eq < 0 ? '' : k.startsWith('X-Amz-') ? part.slice(eq + 1) : safeDecode(part.slice(eq + 1));
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

function safeDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

// ---- errors ---------------------------------------------------------------------------------

interface WireError {
  readonly code: string;
  readonly httpStatus: number;
  readonly message: string;
  readonly fields: readonly (readonly [string, string])[];
}

function toS3Error(e: unknown, ctx: ServiceContext): WireError {
  if (e instanceof S3Error) return { code: e.code, httpStatus: e.httpStatus, message: e.message, fields: e.fields };
  if (e instanceof AuthFailure) {
    const a = s3AuthError(e);
    return { code: a.code, httpStatus: a.status, message: a.message, fields: Object.entries(a.extra ?? {}) };
  }
  if (e instanceof S3BodyError) return { code: e.code, httpStatus: e.httpStatus, message: e.message, fields: Object.entries(e.extra) };
  if (e instanceof AwsError) return { code: e.code, httpStatus: e.httpStatus, message: e.message, fields: [] };
  if (isAbort(e)) return { code: 'IncompleteBody', httpStatus: 400, message: 'You did not provide the number of bytes specified by the Content-Length HTTP header', fields: [] };
  ctx.log.error('internal error in S3', e);
  return { code: 'InternalError', httpStatus: 500, message: 'We encountered an internal error. Please try again.', fields: [] };
}

function isAbort(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error | undefined)?.message === 'aborted';
}

/** `<Error><Code/><Message/>…fields…<RequestId/><HostId/></Error>`; HEAD responses carry no body. */
function writeError(r: AwsRequest, err: WireError, head: boolean, hostId: string): void {
  const res: ServerResponse = r.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let body = `${XML_DECLARATION}<Error><Code>${escapeXmlText(err.code)}</Code><Message>${escapeXmlText(err.message)}</Message>`;
  for (const [k, v] of err.fields) body += `<${k}>${escapeXmlText(v)}</${k}>`;
  body += `<RequestId>${r.requestId}</RequestId><HostId>${hostId}</HostId></Error>`;
  const headers: Record<string, string | number> = { 'x-amz-request-id': r.requestId, 'x-amz-id-2': hostId, 'content-type': 'application/xml' };
  if (head) {
    res.writeHead(err.httpStatus, headers).end();
    return;
  }
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(err.httpStatus, headers).end(body);
}
