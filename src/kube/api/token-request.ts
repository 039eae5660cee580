/**
 * The `serviceaccounts/<name>/token` subresource (TokenRequest API): validates the request as
 * kube-apiserver does and asks the issuer to sign.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/
 */
import type { KubeObject, ServiceAccountTokenIssuer } from '../contracts.js';
import { badRequest, conflict, invalid, notFound } from './errors.js';
import { asObj } from './kinds/context.js';
import { PODS, SERVICE_ACCOUNTS } from './resources.js';
import { timestamp, type KubeService, type WriteOptions } from './service.js';

/** kube-apiserver's defaults: 1 h, and at least 10 minutes. */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export async function createToken(
  svc: KubeService,
  tokens: ServiceAccountTokenIssuer,
  namespace: string,
  saName: string,
  body: KubeObject,
  opts: WriteOptions,
): Promise<KubeObject> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  if (body.kind && body.kind !== 'TokenRequest') throw badRequest(`the kind in the request body (${String(body.kind)}) does not match the resource (TokenRequest)`);
  svc.checkBody({ kind: 'TokenRequest' }, body, opts);
  const spec = asObj(body.spec);
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : [tokens.issuerUrl];
  const expirationSeconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? DEFAULT_EXPIRATION_SECONDS : Number(spec.expirationSeconds);
  if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_EXPIRATION_SECONDS)
    throw invalid('TokenRequest', 'authentication.k8s.io', saName, [
      { field: 'spec.expirationSeconds', type: 'Invalid value', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' },
    ]);
  if (expirationSeconds > MAX_EXPIRATION_SECONDS)
    throw invalid('TokenRequest', 'authentication.k8s.io', saName, [
      { field: 'spec.expirationSeconds', type: 'Invalid value', value: expirationSeconds, detail: 'may not specify a duration larger than 2^32 seconds' },
    ]);
  const sa = await svc.repo.get(SERVICE_ACCOUNTS, namespace, saName);
  if (!sa) throw notFound(SERVICE_ACCOUNTS, saName);
  const ref = spec.boundObjectRef ? asObj(spec.boundObjectRef) : undefined;
  let pod: { name: string; uid: string } | undefined;
  if (ref && (ref.kind || ref.name)) {
    if (ref.kind !== 'Pod') throw badRequest(`cannot bind token for serviceaccount "${saName}" to object of kind ${JSON.stringify(ref.kind)}: only Pod is supported`);
    const p = await svc.repo.get(PODS, namespace, String(ref.name ?? ''));
    if (!p) throw notFound(PODS, String(ref.name ?? ''));
    const uid = p.metadata?.uid ?? '';
    if (ref.uid && ref.uid !== uid)
      throw conflict(PODS, String(ref.name), `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
    const podSa = asObj(p.spec).serviceAccountName ?? 'default';
    if (podSa !== saName) throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    pod = { name: String(ref.name), uid };
  }
  const issued = await tokens.issue({
    namespace,
    serviceAccount: { name: saName, uid: sa.metadata?.uid ?? '' },
    audiences,
    expirationSeconds,
    ...(pod ? { pod } : {}),
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: saName, namespace, creationTimestamp: null as unknown as string },
    spec: {
      audiences,
      expirationSeconds,
      boundObjectRef: pod ? { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid } : null,
    },
    status: { token: issued.token, expirationTimestamp: timestamp(issued.expirationTimestamp) },
  };
}
