import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws, awsEnv, type IrsaProcess } from './irsa-server.js';
import { KUBECTL } from './kube.js';
import { irsa } from './run-cli.js';

/**
 * Credentials as a pod gets them on EKS, against a running `irsa up`: the cluster's issuer is an
 * IAM OIDC provider, a role trusts `system:serviceaccount:NS:SA` with audience sts.amazonaws.com,
 * and a projected-style token minted by the cluster's Kubernetes API (`kubectl create token`) sits
 * in a file. `env` is what the pod identity webhook injects plus AWS_ENDPOINT_URL: the aws CLI,
 * boto3 and the JS SDK given it find the credentials through their default chains, with no keys.
 */
export interface PodIdentity {
  readonly roleArn: string;
  readonly roleName: string;
  readonly tokenFile: string;
  /** For child processes (pass through `awsEnv`): AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ENDPOINT_URL, AWS_REGION, AWS_DEFAULT_REGION. */
  readonly env: Record<string, string>;
  /** One AssumeRoleWithWebIdentity exchange, for in-process SDK clients and raw requests. */
  credentials(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }>;
}

export interface PodIdentityOptions {
  readonly roleName: string;
  /** The role's inline permissions policy (JSON text or an object). */
  readonly policy: string | object;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** A managed policy ARN to set as the role's permissions boundary. */
  readonly boundaryArn?: string;
  /** Token lifetime; the API's default (1 h) otherwise. */
  readonly tokenSeconds?: number;
}

const providers = new WeakSet<IrsaProcess>();

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.status, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

/** Real kubectl against the server's clusters (its kubeconfig), with a clean home and `input` on stdin. */
export function kubectl(srv: IrsaProcess, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const home = mkdtempSync(join(tmpdir(), 'irsa-pod-kube-'));
  const r = spawnSync(KUBECTL, ['--cache-dir', join(home, 'cache'), ...args], {
    encoding: 'utf8',
    input,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: srv.env['KUBECONFIG'] ?? '' },
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  rmSync(home, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl that must succeed: its stdout. */
export function mustKubectl(srv: IrsaProcess, args: string[], input?: string): string {
  const r = kubectl(srv, args, input);
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export async function podIdentity(srv: IrsaProcess, options: PodIdentityOptions): Promise<PodIdentity> {
  const ns = options.namespace ?? 'default';
  const sa = options.serviceAccount ?? options.roleName;
  const work = mkdtempSync(join(tmpdir(), 'irsa-pod-'));
  const admin = (args: string[]): Record<string, any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const out = ok(aws(args, srv.env, work), `aws ${args.slice(0, 2).join(' ')}`);
    return out.trim() ? (JSON.parse(out) as Record<string, unknown>) : {};
  };
  const issuer = ok(aws(['eks', 'describe-cluster', '--name', 'local', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], srv.env, work), 'describe-cluster').trim();
  const hostPath = issuer.replace(/^https:\/\//, '');
  if (!providers.has(srv)) {
    // A provider registered already (another replica of the same store, or the test itself) is kept.
    const listed = admin(['iam', 'list-open-id-connect-providers'])['OpenIDConnectProviderList'] as { Arn: string }[];
    if (!listed.some((p) => p.Arn.endsWith(`:oidc-provider/${hostPath}`))) {
      ok(irsa(['utils', 'associate-iam-oidc-provider', '--cluster', 'local', '--approve', '--data-dir', srv.dataDir]), 'associate-iam-oidc-provider');
    }
    providers.add(srv);
  }
  const account = admin(['sts', 'get-caller-identity'])['Account'] as string;
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${hostPath}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com', [`${hostPath}:sub`]: `system:serviceaccount:${ns}:${sa}` } },
      },
    ],
  };
  writeFileSync(join(work, 'trust.json'), JSON.stringify(trust));
  writeFileSync(join(work, 'policy.json'), typeof options.policy === 'string' ? options.policy : JSON.stringify(options.policy));
  const roleArn = admin(['iam', 'create-role', '--role-name', options.roleName, '--assume-role-policy-document', 'file://trust.json'])['Role']['Arn'] as string;
  admin(['iam', 'put-role-policy', '--role-name', options.roleName, '--policy-name', 'pod-permissions', '--policy-document', 'file://policy.json']);
  if (options.boundaryArn) admin(['iam', 'put-role-permissions-boundary', '--role-name', options.roleName, '--permissions-boundary', options.boundaryArn]);

  if (ns !== 'default') kubectl(srv, ['create', 'namespace', ns]); // may exist already
  const created = kubectl(srv, ['create', 'serviceaccount', sa, '-n', ns]);
  if (created.status !== 0) assert.match(created.stderr, /AlreadyExists/, created.stderr);
  const token = ok(kubectl(srv, ['create', 'token', sa, '-n', ns, '--audience', 'sts.amazonaws.com', ...(options.tokenSeconds ? ['--duration', `${options.tokenSeconds}s`] : [])]), 'kubectl create token').trim();
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });

  const env = {
    AWS_ROLE_ARN: roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ENDPOINT_URL: srv.env['AWS_ENDPOINT_URL'] as string,
    AWS_REGION: srv.env['AWS_REGION'] as string,
    AWS_DEFAULT_REGION: srv.env['AWS_DEFAULT_REGION'] as string,
  };
  return {
    roleArn,
    roleName: options.roleName,
    tokenFile,
    env,
    async credentials() {
      const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: `test-${Date.now()}`, WebIdentityToken: token });
      const r = await fetch(`${srv.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: body.toString() });
      const text = await r.text();
      assert.equal(r.status, 200, text);
      const field = (name: string): string => (new RegExp(`<${name}>([^<]+)</${name}>`).exec(text)?.[1] ?? '').trim();
      return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken'), expiration: new Date(field('Expiration')) };
    },
  };
}

/** `awsEnv` for a pod: no static keys, only the web identity. */
export function podEnv(pod: PodIdentity, extra: Record<string, string> = {}): Record<string, string> {
  return awsEnv({ ...pod.env, ...extra });
}
