import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../aws/error.js';
import { IamDataCatalog } from '../catalog/iam-data.js';
import { doctor, explain, explainRecorded, parseContextArg, type ExplainRequest } from '../explain/explain.js';
import type { PolicyCache } from '../iam/principal-policies.js';
import { loadPolicy, PolicySet } from '../policy/index.js';
import type { SignedRequest } from '../wire/sigv4.js';
import { jsonAuthError } from './auth.js';
import type { RunningCluster } from './clusters.js';
import { storeWorld } from './explain-world.js';
import { authenticateOr, authorizeCall, requestFacts, type ServiceContext } from './service-context.js';

/**
 * `GET /_irsa/explain` and `GET /_irsa/doctor`: the explainer's JSON (schema irsa.explain/v1,
 * docs/explain.md) for a UI or a CI job. They reveal policies, so they are signed like any AWS
 * call (SigV4, any service name in the scope) and need iam:SimulatePrincipalPolicy — what AWS
 * asks of its own policy simulator.
 *
 *   /_irsa/explain?pod=NS/POD&action=s3:GetObject&resource=ARN[&context=KEY=TYPE:VALUE…][&container=C][&cluster=NAME]
 *   /_irsa/explain?serviceAccount=NS/SA&…[&sessionPolicy=JSON][&token=JWT]
 *   /_irsa/explain?requestId=ID
 *   /_irsa/doctor[?namespace=NS][&serviceAccount=SA][&cluster=NAME]
 */
export interface ExplainEndpointDeps {
  readonly ctx: ServiceContext;
  readonly cache: PolicyCache;
  readonly clusters: () => ReadonlyMap<string, RunningCluster>;
}

export const EXPLAIN_PATHS = new Set(['/_irsa/explain', '/_irsa/doctor']);

export async function serveExplain(deps: ExplainEndpointDeps, req: IncomingMessage, res: ServerResponse, requestId: string, rawPath: string, rawQuery: string): Promise<void> {
  const send = (status: number, body: unknown): void => {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId }).end(text);
  };
  try {
    if (req.method !== 'GET') throw new AwsError('MethodNotAllowed', `${req.method ?? ''} is not allowed; use GET`, 405);
    req.resume();
    const { ctx } = deps;
    const signed: SignedRequest = { method: 'GET', rawPath, rawQuery, headers: req.headers, rawHeaders: req.rawHeaders, body: new Uint8Array(0) };
    const { caller } = await authenticateOr(ctx, signed, (e) => jsonAuthError(e.kind, e.message));
    const authz = await authorizeCall(ctx, { requestId, caller, action: 'iam:SimulatePrincipalPolicy', resource: '*', facts: requestFacts(req) });
    if (authz.decision.decision !== 'allowed') throw new AwsError('AccessDeniedException', authz.message ?? 'Access denied', 403);

    const q = new URLSearchParams(rawQuery);
    const clusters = deps.clusters();
    const clusterName = q.get('cluster') ?? [...clusters.keys()][0] ?? '';
    const cluster = clusters.get(clusterName);
    if (!cluster) throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${clusterName}.`, 404);
    const world = storeWorld({
      store: ctx.store,
      env: ctx.env,
      cache: deps.cache,
      account: ctx.account,
      cluster: { name: clusterName, issuerUrl: cluster.issuerUrl },
      localIssuers: [...clusters.values()].map((c) => c.issuerUrl),
      now: ctx.now(),
    });
    if (rawPath === '/_irsa/doctor') {
      const ns = q.get('namespace') ?? undefined;
      const sa = q.get('serviceAccount') ?? undefined;
      send(200, await doctor(world, { ...(ns ? { namespace: ns } : {}), ...(sa ? { serviceAccount: sa } : {}) }));
      return;
    }
    const rid = q.get('requestId');
    if (rid) {
      const entries = await ctx.decisions.get(rid);
      if (!entries.length) throw new AwsError('ResourceNotFoundException', `No decision is recorded for request id ${rid} (the log keeps the most recent 50,000).`, 404);
      send(200, await explainRecorded(world, rid, entries));
      return;
    }
    const request = explainRequestFrom(q);
    const service = request.action?.split(':')[0];
    const catalog = service ? await IamDataCatalog.load([service]).catch(() => undefined) : undefined;
    send(200, await explain({ ...world, catalog }, request));
  } catch (e) {
    const err = e instanceof AwsError ? e : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
    if (!(e instanceof AwsError)) deps.ctx.log.error('explain failed', e);
    send(err.httpStatus, { __type: err.code, message: err.message });
  }
}

/** Query parameters → an explain request; bad input is a 400 ValidationException naming the parameter. */
export function explainRequestFrom(q: URLSearchParams): ExplainRequest {
  const bad = (m: string): AwsError => new AwsError('ValidationException', m, 400);
  const pod = q.get('pod');
  const sa = q.get('serviceAccount');
  if (!pod === !sa) throw bad('Give exactly one of pod=NAMESPACE/POD and serviceAccount=NAMESPACE/NAME.');
  const [namespace, name, extra] = (pod ?? sa ?? '').split('/');
  if (!namespace || !name || extra !== undefined) throw bad(`${pod ? 'pod' : 'serviceAccount'} must be NAMESPACE/NAME, got "${pod ?? sa}".`);
  const action = q.get('action') ?? undefined;
  const resource = q.get('resource') ?? undefined;
  if ((action === undefined) !== (resource === undefined)) throw bad('action and resource go together.');
  if (action !== undefined && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) throw bad(`action must be SERVICE:Action, got "${action}".`);
  const context = q.getAll('context').map((c) => parseContextArg(c, bad));
  const container = q.get('container') ?? undefined;
  const token = q.get('token');
  const sessionPolicy = q.get('sessionPolicy');
  let session: PolicySet | undefined;
  if (sessionPolicy !== null) {
    try {
      session = new PolicySet([loadPolicy(sessionPolicy, 'session', 'session-policy-1')]);
    } catch (e) {
      throw bad(`sessionPolicy: ${(e as Error).message}`);
    }
  }
  return {
    ...(session ? { sessionPolicy: session } : {}),
    ...(token ? { token: tokenClaims(token, bad) } : {}),
    namespace,
    ...(pod ? { pod: name } : { serviceAccount: name }),
    ...(action !== undefined && resource !== undefined ? { action, resource } : {}),
    ...(context.length ? { context } : {}),
    ...(container ? { container } : {}),
  };
}

/** The claims of a JWT the user has in hand (`--token`), read without verifying it: the chain checks issuer, expiry and subject. */
function tokenClaims(jwt: string, bad: (m: string) => Error): { iss?: string; sub?: string; aud?: string | string[]; exp?: number } {
  if (jwt.length > 16_384) throw bad('token is longer than 16 KiB.');
  const parts = jwt.split('.');
  if (parts.length !== 3) throw bad('token is not a JWT (three base64url parts).');
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('token payload is not JSON.');
  }
  const aud = c['aud'];
  return {
    ...(typeof c['iss'] === 'string' ? { iss: c['iss'] } : {}),
    ...(typeof c['sub'] === 'string' ? { sub: c['sub'] } : {}),
    ...(typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) ? { aud: aud as string | string[] } : {}),
    ...(typeof c['exp'] === 'number' ? { exp: c['exp'] } : {}),
  };
}
