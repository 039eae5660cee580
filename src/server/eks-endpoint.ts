import { AwsError } from '../aws/error.js';
import type { Authorizer, Caller, RequestFacts } from '../iam/authorizer.js';

/**
 * The EKS API's read side over REST-JSON, enough for `aws eks describe-cluster` and
 * `aws eks list-clusters` (and eksctl-style clients): `GET /clusters` and `GET /clusters/{name}`.
 * https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeCluster.html
 */
export interface ClusterView {
  readonly name: string;
  readonly id: string;
  readonly createdAt: Date;
  readonly issuerUrl: string;
  readonly endpoint: string;
  readonly caPem: string;
}

export interface EksDeps {
  readonly account: string;
  readonly region: string;
  readonly authorizer: Authorizer;
  readonly clusters: () => readonly ClusterView[];
}

export interface JsonResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

const KUBERNETES_VERSION = '1.32';

/** True when the request is for the EKS API. */
export function isEksRequest(method: string, path: string): boolean {
  return method === 'GET' && /^\/clusters(\/[^/]+)?\/?$/.test(path);
}

export function describeCluster(deps: EksDeps, c: ClusterView): Record<string, unknown> {
  return {
    name: c.name,
    arn: `arn:aws:eks:${deps.region}:${deps.account}:cluster/${c.name}`,
    createdAt: c.createdAt.getTime() / 1000,
    version: KUBERNETES_VERSION,
    endpoint: c.endpoint,
    roleArn: `arn:aws:iam::${deps.account}:role/irsa-local-cluster-${c.name}`,
    resourcesVpcConfig: {
      subnetIds: [],
      securityGroupIds: [],
      clusterSecurityGroupId: 'sg-irsalocal',
      vpcId: 'vpc-irsalocal',
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      publicAccessCidrs: [],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] },
    identity: { oidc: { issuer: c.issuerUrl } },
    status: 'ACTIVE',
    certificateAuthority: { data: Buffer.from(c.caPem).toString('base64') },
    platformVersion: 'eks.1',
    tags: {},
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
  };
}

function error(code: string, status: number, message: string): AwsError {
  return new AwsError(code, message, status);
}

export async function handleEks(deps: EksDeps, path: string, caller: Caller, facts: RequestFacts): Promise<Record<string, unknown>> {
  const m = /^\/clusters(?:\/([^/]+))?\/?$/.exec(path);
  const name = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  const action = name === undefined ? 'eks:ListClusters' : 'eks:DescribeCluster';
  const resource = name === undefined ? '*' : `arn:aws:eks:${deps.region}:${deps.account}:cluster/${name}`;
  const out = await deps.authorizer.authorize(caller, action, resource, facts);
  if (out.decision.decision !== 'allowed') throw error('AccessDeniedException', 403, out.message as string);
  if (name === undefined) return { clusters: deps.clusters().map((c) => c.name) };
  const c = deps.clusters().find((x) => x.name === name);
  if (!c) throw error('ResourceNotFoundException', 404, `No cluster found for name: ${name}.`);
  return { cluster: describeCluster(deps, c) };
}

/** REST-JSON's error form: the code in `x-amzn-ErrorType`, `{"message": …}` in the body. */
export function restJsonError(e: AwsError, requestId: string): JsonResponse {
  return {
    status: e.httpStatus,
    body: JSON.stringify({ message: e.message }),
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code, 'x-amzn-requestid': requestId },
  };
}
