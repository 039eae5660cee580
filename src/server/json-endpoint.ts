import { AwsError } from '../aws/error.js';
import type { ContextType, PolicySet } from '../policy/index.js';
import { secretsManagerOperations } from '../services/secretsmanager/index.js';
import { decodeJsonInput, encodeJsonError, encodeJsonOutput } from '../wire/json-codec.js';
import type { ServiceModel } from '../wire/model.js';
import { SECRETSMANAGER_MODEL } from '../wire/models/secretsmanager.js';
import { MESSAGES, type AuthFailure, type SignedRequest } from '../wire/sigv4.js';
import { readBody } from './body.js';
import { authenticateOr, authorizeCall, type AwsRequest, type AwsServiceHandler, type ServiceContext } from './service-context.js';

/**
 * The AWS JSON protocol endpoint (`POST /`, `X-Amz-Target: <prefix>.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`): resolve the operation, read the bounded body,
 * authenticate (SigV4), decode and validate the input against the model, run the operation —
 * which authorizes through `authorize`, recording each decision — and answer in JSON with
 * `x-amzn-RequestId`. Errors are `{"__type", "message"}` with the status AWS uses.
 */
export interface JsonAuthorizeRequest {
  readonly action: string;
  readonly resource: string;
  readonly shownResource?: string | undefined;
  readonly resourcePolicy?: PolicySet | undefined;
  readonly context: readonly { readonly key: string; readonly values: string[]; readonly type?: ContextType }[];
}

export interface JsonCall {
  /** The region of the request's credential scope. */
  readonly region: string;
  /** AWS's AccessDenied message when denied, undefined when allowed. */
  readonly authorize: (r: JsonAuthorizeRequest) => Promise<string | undefined>;
}

export interface JsonService {
  /** For the request log (`secretsmanager.GetSecretValue 200 <request id>`). */
  readonly name: string;
  readonly model: ServiceModel;
  readonly operations: Readonly<Record<string, (input: Record<string, unknown>, call: JsonCall) => Promise<Record<string, unknown> | undefined>>>;
  /** Largest request body accepted, in bytes. */
  readonly maxBody: number;
  /** The service's allowed clock skew (SigV4), when not the usual 15 minutes. */
  readonly maxSkewMs?: number;
}

/**
 * Authentication failures in the JSON 1.x protocol (Secrets Manager and other Coral services):
 * every one is HTTP 400, unlike REST-JSON's 403s. Real responses: "Service: AWSSecretsManager;
 * Status Code: 400; Error Code: UnrecognizedClientException" (spring-attic/spring-cloud-aws#492),
 * InvalidSignatureException 400 with the canonical request and string to sign appended
 * (aws/aws-sdk-net#3978), "Signature expired: … (… - 5 min.)" from GetSecretValue
 * (boto/botocore#3587), MissingAuthenticationTokenException 400 (DynamoDB, same framework).
 */
export function json11AuthError(e: AuthFailure): AwsError {
  switch (e.kind) {
    case 'missing':
      return new AwsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 400);
    case 'incomplete':
    case 'malformedDate':
      return new AwsError('IncompleteSignatureException', e.message, 400);
    case 'unknownKey':
    case 'invalidToken':
      return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
    case 'expiredToken':
      return new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 400);
    case 'badSignature': {
      const d = e.details;
      const explained =
        e.message === MESSAGES.signatureMismatch && d.canonicalRequest !== undefined && d.stringToSign !== undefined
          ? `${e.message}\n\nThe Canonical String for this request should have been\n'${d.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${d.stringToSign}'\n`
          : e.message;
      return new AwsError('InvalidSignatureException', explained, 400);
    }
    case 'signatureExpired':
    case 'requestExpired':
      return new AwsError('InvalidSignatureException', e.message, 400);
  }
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

function signedRequest(r: AwsRequest, body: Buffer): SignedRequest {
  return { method: r.req.method ?? 'GET', rawPath: r.rawPath, rawQuery: r.rawQuery, headers: r.req.headers, rawHeaders: r.req.rawHeaders, body };
}

export function jsonServiceHandler(ctx: ServiceContext, service: JsonService): AwsServiceHandler {
  const prefix = `${service.model.metadata.targetPrefix ?? ''}.`;
  return async (r) => {
    const target = r.req.headers['x-amz-target'];
    const opName = typeof target === 'string' && target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
    const op = opName !== undefined && Object.hasOwn(service.operations, opName) && service.model.operations[opName] ? service.operations[opName] : undefined;
    let raw: Buffer | undefined;
    try {
      raw = await readBody(r.req, service.maxBody);
    } catch {
      // The client went away mid-body: nobody to answer.
      r.res.destroy();
      return;
    }
    let status = 200;
    let body: string;
    let close = false;
    try {
      if (raw === undefined) {
        close = true;
        throw new AwsError('ValidationException', `Request body exceeds the ${service.maxBody} bytes this endpoint accepts.`, 413);
      }
      if (!op || opName === undefined || r.req.method !== 'POST') throw new AwsError('UnknownOperationException', '', 400);
      const auth = await authenticateOr(ctx, signedRequest(r, raw), json11AuthError, service.maxSkewMs === undefined ? {} : { maxSkewMs: service.maxSkewMs });
      const input = decodeJsonInput(service.model, opName, raw);
      const facts = { ...r.facts, region: auth.region };
      const call: JsonCall = {
        region: auth.region,
        authorize: async (q) => {
          const out = await authorizeCall(ctx, { ...q, requestId: r.requestId, caller: auth.caller, facts });
          return out.decision.decision === 'allowed' ? undefined : (out.message ?? 'Access denied');
        },
      };
      body = encodeJsonOutput(service.model, opName, await op(input, call));
    } catch (e) {
      let err: AwsError;
      if (e instanceof AwsError) err = e;
      else {
        ctx.log.error(`internal error in ${service.name}.${op ? opName : '-'}`, e);
        err = new AwsError('InternalServiceError', 'An error occurred on the server side.', 500, false);
      }
      status = err.httpStatus;
      body = encodeJsonError(err);
    }
    // The service's clock (tests move it): the JS SDK corrects its own clock skew from `Date`.
    const headers: Record<string, string | number> = {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-amzn-RequestId': r.requestId,
      date: ctx.now().toUTCString(),
    };
    if (close) headers['connection'] = 'close';
    r.res.writeHead(status, headers).end(body);
    // Only operation names this service knows reach the log (the target header is the client's).
    ctx.log.info(`${service.name}.${op ? opName : '-'} ${status} ${r.requestId}`);
  };
}

/**
 * Secrets Manager: values up to 65,536 bytes; a request body is bounded at 1 MiB, above any valid
 * request (a 64 KiB SecretString of escaped control characters is 384 KiB of JSON). Secrets
 * Manager allows 5 minutes of clock skew.
 */
export function secretsManagerHandler(ctx: ServiceContext): AwsServiceHandler {
  const operations = secretsManagerOperations({
    store: ctx.store,
    now: ctx.now,
    random: ctx.env.random,
    sealer: ctx.env.sealer,
    partition: ctx.env.partition,
    account: ctx.account,
  });
  return jsonServiceHandler(ctx, { name: 'secretsmanager', model: SECRETSMANAGER_MODEL, operations, maxBody: 1024 * 1024, maxSkewMs: 5 * 60 * 1000 });
}
