import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AwsError } from '../aws/error.js';
import { authorizationTarget, Bedrock, LocalModel, ModelErrorException, OpenAiBackend, type BedrockOperation, type ChatBackend, type IdSource } from '../services/bedrock/index.js';
import type { ServiceModel } from '../wire/model.js';
import { BEDROCK_RUNTIME_MODEL } from '../wire/models/bedrock-runtime.js';
import { BEDROCK_MODEL } from '../wire/models/bedrock.js';
import { decodeRestJsonInput, encodeRestJsonError, encodeRestJsonOutput, type RestJsonResponse } from '../wire/rest-json.js';
import { jsonAuthError } from './auth.js';
import { readBody } from './body.js';
import { authenticateOr, authorizeCall, type AwsRequest, type AwsServiceHandler, type ServiceContext } from './service-context.js';

/**
 * Bedrock (`GET /foundation-models[/{modelIdentifier}]`) and Bedrock Runtime
 * (`POST /model/{modelId}/invoke|converse`) over REST-JSON on the one AWS endpoint. Both sign
 * with the name `bedrock`, so the path picks the API. Each call: bounded body → SigV4 → input
 * decoded and checked against the service model → authorized by the policy engine (recorded in
 * the decision log) → the operation → the response, or the error in REST-JSON form. Prompts,
 * answers and backend keys are never logged.
 */
export interface BedrockOptions {
  /** Base URL of an OpenAI-compatible API; the built-in local model when absent. */
  readonly backendUrl?: string | undefined;
  readonly backendKey?: string | undefined;
  /** Backend model for every Bedrock model id, unless `backendModels` names one for it. */
  readonly backendModel?: string | undefined;
  readonly backendModels?: ReadonlyMap<string, string>;
  readonly timeoutMs?: number | undefined;
  readonly maxResponseBytes?: number | undefined;
}

/** InvokeModel's `body` is at most 25,000,000 bytes (the service model); Converse gets the same bound. */
const MAX_INVOKE_BODY = 25_000_000;
/** The catalog operations have no body. */
const MAX_OTHER_BODY = 64 * 1024;
export const DEFAULT_BACKEND_TIMEOUT_MS = 60_000;
export const DEFAULT_BACKEND_MAX_RESPONSE = 4 * 1024 * 1024;

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly model: ServiceModel;
  readonly op: BedrockOperation;
  readonly label?: string;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/foundation-models\/?$/, model: BEDROCK_MODEL, op: 'ListFoundationModels' },
  { method: 'GET', path: /^\/foundation-models\/([^/]+)\/?$/, model: BEDROCK_MODEL, op: 'GetFoundationModel', label: 'modelIdentifier' },
  { method: 'POST', path: /^\/model\/(.+)\/invoke$/, model: BEDROCK_RUNTIME_MODEL, op: 'InvokeModel', label: 'modelId' },
  { method: 'POST', path: /^\/model\/(.+)\/converse$/, model: BEDROCK_RUNTIME_MODEL, op: 'Converse', label: 'modelId' },
];

/** Streaming operations irsa-local does not serve (they need the event-stream encoding). */
const NOT_SERVED = /^\/model\/.+\/(invoke-with-response-stream|converse-stream)$/;

export function chatBackend(opts: BedrockOptions = {}): ChatBackend {
  if (!opts.backendUrl) return new LocalModel();
  return new OpenAiBackend({
    url: opts.backendUrl,
    apiKey: opts.backendKey,
    defaultModel: opts.backendModel,
    byModelId: opts.backendModels,
    timeoutMs: opts.timeoutMs ?? DEFAULT_BACKEND_TIMEOUT_MS,
    maxResponseBytes: opts.maxResponseBytes ?? DEFAULT_BACKEND_MAX_RESPONSE,
  });
}

export function bedrockHandler(ctx: ServiceContext, opts: BedrockOptions = {}): AwsServiceHandler {
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const ids: IdSource = {
    alnum: (n) => Array.from(ctx.env.random(n), (b) => ALNUM[b % ALNUM.length]).join(''),
    uuid: () => randomUUID(),
  };
  const bedrock = new Bedrock({ backend: chatBackend(opts), ids, clock: () => performance.now() });
  return async (r) => {
    const method = r.req.method ?? 'GET';
    const route = ROUTES.find((x) => x.method === method && x.path.test(r.rawPath));
    const body = await readBody(r.req, route?.op === 'InvokeModel' || route?.op === 'Converse' ? MAX_INVOKE_BODY : MAX_OTHER_BODY);
    let out: RestJsonResponse;
    try {
      if (body === undefined) {
        r.res.setHeader('connection', 'close');
        throw new AwsError('ValidationException', `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INVOKE_BODY}`, 400);
      }
      const auth = await authenticateOr(
        ctx,
        { method, rawPath: r.rawPath, rawQuery: r.rawQuery, headers: r.req.headers, rawHeaders: r.req.rawHeaders, body },
        (e) => jsonAuthError(e.kind, e.message),
      );
      if (!route) {
        if (NOT_SERVED.test(r.rawPath)) throw new AwsError('NotImplemented', `irsa-local does not serve ${method} ${r.rawPath.replace(/^\/model\/.+\//, '/model/{modelId}/')}`, 501, false);
        throw new AwsError('UnknownOperationException', 'The requested operation is not recognized by the service.', 404);
      }
      out = await serve(ctx, bedrock, r, route, body, auth);
    } catch (e) {
      out = errorResponse(ctx, e, r.requestId);
    }
    r.res.writeHead(out.status, { ...out.headers, 'x-amzn-requestid': r.requestId, 'content-length': out.body.length }).end(out.body);
    ctx.log.info(`${route?.op ?? 'bedrock'} ${out.status} ${r.requestId}`);
  };
}

async function serve(
  ctx: ServiceContext,
  bedrock: Bedrock,
  r: AwsRequest,
  route: Route,
  body: Buffer,
  auth: Awaited<ReturnType<typeof authenticateOr>>,
): Promise<RestJsonResponse> {
  const labels: Record<string, string> = {};
  if (route.label) {
    const raw = route.path.exec(r.rawPath)?.[1] ?? '';
    try {
      labels[route.label] = decodeURIComponent(raw);
    } catch {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${raw}' at '${route.label}' failed to satisfy constraint: Member must be a valid percent-encoded string`, 400);
    }
  }
  const input = decodeRestJsonInput(route.model, route.op, { labels, query: new URLSearchParams(r.rawQuery), headers: r.req.headers, body });
  const region = auth.region || ctx.region;
  const target = authorizationTarget(route.op, region, input);
  const outcome = await authorizeCall(ctx, { requestId: r.requestId, caller: auth.caller, action: target.action, resource: target.resource, facts: { ...r.facts, region } });
  if (outcome.decision.decision !== 'allowed') throw new AwsError('AccessDeniedException', outcome.message ?? 'Access denied', 403);
  switch (route.op) {
    case 'ListFoundationModels':
      return encodeRestJsonOutput(route.model, route.op, bedrock.listFoundationModels(region, input));
    case 'GetFoundationModel':
      return encodeRestJsonOutput(route.model, route.op, bedrock.getFoundationModel(region, input['modelIdentifier'] as string));
    case 'InvokeModel': {
      const res = await bedrock.invokeModel(region, input);
      const encoded = encodeRestJsonOutput(route.model, route.op, { body: res.body, contentType: res.contentType });
      return {
        ...encoded,
        headers: {
          ...encoded.headers,
          'x-amzn-bedrock-input-token-count': String(res.inputTokens),
          'x-amzn-bedrock-output-token-count': String(res.outputTokens),
          'x-amzn-bedrock-invocation-latency': String(res.latencyMs),
        },
      };
    }
    case 'Converse':
      return encodeRestJsonOutput(route.model, route.op, await bedrock.converse(region, input));
  }
}

function errorResponse(ctx: ServiceContext, e: unknown, requestId: string): RestJsonResponse {
  if (e instanceof ModelErrorException) {
    const members: Record<string, unknown> = {};
    if (e.originalStatusCode !== undefined) members['originalStatusCode'] = e.originalStatusCode;
    if (e.resourceName !== undefined) members['resourceName'] = e.resourceName;
    return encodeRestJsonError(e, requestId, members);
  }
  if (e instanceof AwsError) return encodeRestJsonError(e, requestId);
  ctx.log.error('internal error in Bedrock', e);
  return encodeRestJsonError(new AwsError('InternalServerException', 'The request processing has failed because of an unknown error, exception or failure.', 500, false), requestId);
}
