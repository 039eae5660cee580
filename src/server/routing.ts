import type { IncomingMessage } from 'node:http';

/**
 * Which service a request on the one AWS endpoint is for. Clients pointed at one endpoint by
 * AWS_ENDPOINT_URL send IAM, STS, EKS, S3, Secrets Manager and Bedrock calls to the same place, and
 * paths alone are ambiguous (`GET /clusters` is EKS ListClusters or an S3 bucket named
 * `clusters`), so the signature's credential scope decides when there is one — every SDK signs
 * with the service's signing name. Unsigned requests fall back to the protocol's marks: a
 * SigV2 S3 signature, `X-Amz-Target` (JSON protocol), `Action` (query protocol), the EKS and
 * Bedrock paths; anything else is S3 (anonymous access to a bucket whose policy allows it).
 */
export type ServiceName = 'query' | 'eks' | 's3' | 'secretsmanager' | 'bedrock';

const BY_SIGNING_NAME: Readonly<Record<string, ServiceName>> = {
  iam: 'query',
  sts: 'query',
  eks: 'eks',
  s3: 's3',
  secretsmanager: 'secretsmanager',
  bedrock: 'bedrock',
};

const SCOPE_IN_HEADER = /Credential=[^/,\s]*\/\d{8}\/[^/,\s]*\/([^/,\s]+)\/aws4_request/;
const SCOPE_IN_QUERY = /(?:^|&)X-Amz-Credential=[^&]*?(?:%2F|\/)\d{8}(?:%2F|\/)[^&]*?(?:%2F|\/)([A-Za-z0-9-]+)(?:%2F|\/)aws4_request/;

export function signingService(req: IncomingMessage, rawQuery: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth) return SCOPE_IN_HEADER.exec(auth)?.[1];
  if (rawQuery.includes('X-Amz-Credential=')) return SCOPE_IN_QUERY.exec(rawQuery)?.[1];
  return undefined;
}

export function routeAwsRequest(req: IncomingMessage, rawPath: string, rawQuery: string): ServiceName {
  const signedFor = signingService(req, rawQuery);
  const byScope = signedFor === undefined ? undefined : BY_SIGNING_NAME[signedFor];
  if (byScope) return byScope;
  const method = req.method ?? 'GET';
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('secretsmanager.')) return 'secretsmanager';
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^AWS\s/.test(auth)) return 's3';
  if (/(?:^|&)AWSAccessKeyId=/.test(rawQuery)) return 's3';
  if (rawPath === '/' && (/(?:^|&)Action=/.test(rawQuery) || (method === 'POST' && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')))) {
    return 'query';
  }
  if (method === 'GET' && /^\/clusters(\/[^/]+)?\/?$/.test(rawPath)) return 'eks';
  if (/^\/(foundation-models(\/|$)|model\/[^/]+\/(invoke|converse|invoke-with-response-stream|converse-stream)$)/.test(rawPath)) return 'bedrock';
  return 's3';
}
