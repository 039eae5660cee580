import { AwsError } from '../aws/error.js';
import type { Authorizer, Caller, RequestFacts } from '../iam/authorizer.js';
import type { IamOperation } from '../iam/operations.js';
import { assumeRole, assumeRoleWithWebIdentity, getCallerIdentity, type StsDeps } from '../sts/operations.js';
import { IAM_MODEL } from '../wire/models/iam.js';
import { STS_MODEL } from '../wire/models/sts.js';
import type { ServiceModel } from '../wire/model.js';
import { decodeQueryInput, encodeQueryError, encodeQueryOutput } from '../wire/query-codec.js';
import { AuthFailure, type SignedRequest } from '../wire/sigv4.js';
import { authenticate, queryAuthError, type CredentialResolver } from './auth.js';
import { toCamel, toPascal } from './case.js';
import type { Logger } from './log.js';

/**
 * The query-protocol endpoint (IAM 2010-05-08, STS 2011-06-15): route by `Action` (and `Version`),
 * authenticate with SigV4 unless the operation is one AWS leaves unsigned, validate the input
 * against the model, authorize, run, and answer in the query protocol's XML.
 */
export interface QueryEndpointDeps {
  readonly account: string;
  readonly iam: Readonly<Record<string, IamOperation>>;
  readonly authorizer: Authorizer;
  readonly sts: StsDeps;
  readonly credentials: CredentialResolver;
  readonly now: () => Date;
  readonly log: Logger;
}

export interface QueryResponse {
  readonly status: number;
  readonly body: string;
}

const SERVICES: readonly { readonly name: 'iam' | 'sts'; readonly model: ServiceModel }[] = [
  { name: 'sts', model: STS_MODEL },
  { name: 'iam', model: IAM_MODEL },
];

function pickService(action: string, version: string | undefined): { name: 'iam' | 'sts'; model: ServiceModel } | undefined {
  if (version) return SERVICES.find((s) => s.model.metadata.apiVersion === version);
  return SERVICES.find((s) => s.model.operations[action] !== undefined);
}

export async function handleQuery(
  deps: QueryEndpointDeps,
  signed: SignedRequest,
  params: ReadonlyMap<string, string>,
  facts: RequestFacts,
  requestId: string,
): Promise<QueryResponse> {
  const action = params.get('Action') ?? '';
  const version = params.get('Version');
  const service = pickService(action, version);
  const model = service?.model ?? IAM_MODEL;
  try {
    const op = service?.model.operations[action];
    if (!service || !op) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`, 400);

    let caller: Caller | undefined;
    if (!op.unsigned) {
      try {
        const auth = await authenticate(deps.credentials, signed, deps.now());
        caller = auth.caller;
        facts = { ...facts, region: auth.region };
      } catch (e) {
        if (e instanceof AuthFailure) throw queryAuthError(e.kind, e.message);
        throw e;
      }
    }

    const input = toCamel(decodeQueryInput(model, action, params)) as Record<string, unknown>;
    const output = await run(deps, service.name, action, input, caller, facts);
    return { status: 200, body: encodeQueryOutput(model, action, output ? (toPascal(output) as Record<string, unknown>) : undefined, requestId) };
  } catch (e) {
    const err = e instanceof AwsError ? e : internal(deps, e, action);
    return { status: err.httpStatus, body: encodeQueryError(model, err, requestId) };
  }
}

function internal(deps: QueryEndpointDeps, e: unknown, action: string): AwsError {
  deps.log.error(`internal error in ${action}`, e);
  return new AwsError('InternalFailure', 'We encountered an internal error. Please try again.', 500, false);
}

async function run(
  deps: QueryEndpointDeps,
  service: 'iam' | 'sts',
  action: string,
  input: Record<string, unknown>,
  caller: Caller | undefined,
  facts: RequestFacts,
): Promise<Record<string, unknown> | undefined> {
  if (service === 'sts') {
    switch (action) {
      case 'GetCallerIdentity':
        // Needs no permission and cannot be denied.
        return getCallerIdentity(caller as Caller);
      case 'AssumeRole':
        return assumeRole(deps.sts, caller as Caller, facts, input);
      case 'AssumeRoleWithWebIdentity':
        return assumeRoleWithWebIdentity(deps.sts, input);
      default:
        throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
    }
  }
  const op = deps.iam[action];
  if (!op || !caller) throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`, 400);
  const call = { account: caller.account, callerUserName: caller.kind === 'user' ? caller.userName : undefined };
  const resource = await op.resource(input, call);
  // AWS managed policies (arn:aws:iam::aws:policy/…) belong to no account; reading and attaching
  // them needs only the caller's identity-based permission, like the caller's own resources.
  const awsOwned = /^arn:[^:]+:iam::aws:/.test(resource);
  const out = await deps.authorizer.authorize(caller, `iam:${action}`, resource, facts, awsOwned ? { resourceAccount: caller.account } : {});
  if (out.decision.decision !== 'allowed') throw new AwsError('AccessDenied', out.message as string, 403);
  return (await op.run(input, call)) ?? undefined;
}
