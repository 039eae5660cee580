/**
 * The EKS and IAM APIs over the AWS SDK for JavaScript v3, pointed at irsa-local's AWS endpoint
 * exactly as eksctl's SDK clients point at AWS. SDK exceptions become `ApiError`s carrying the
 * wire code (`NoSuchEntity`, not the SDK's `NoSuchEntityException` class name).
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { ApiError, isApiError as isCode, type ClusterInfo, type EksApi, type IamApi, type RoleInfo, type Tag } from './ports.js';

export interface AwsClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

function sdkConfig(c: AwsClientConfig) {
  // The SDK warns on every run under Node 20, which irsa supports; the warning is not the user's business.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  return { endpoint: c.endpoint, region: c.region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, maxAttempts: 2 };
}

/** The wire code of an SDK error: its `Code` when the protocol carries one, else its name less `Exception`. */
function toApiError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const withCode = e as Error & { Code?: unknown; $metadata?: unknown };
  if (withCode.$metadata === undefined && withCode.Code === undefined) {
    // Not an API answer (connection refused, DNS…): say where it could not connect.
    const cause = (e as Error & { code?: unknown }).code;
    return new ApiError(typeof cause === 'string' ? cause : e.name, e.message);
  }
  const code = typeof withCode.Code === 'string' ? withCode.Code : e.name;
  return new ApiError(code, e.message);
}

async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toApiError(e);
  }
}

export function eksApi(c: AwsClientConfig): EksApi {
  const client = new EKSClient(sdkConfig(c));
  return {
    async describeCluster(name: string): Promise<ClusterInfo> {
      const out = await call(() => client.send(new DescribeClusterCommand({ name })));
      const cl = out.cluster;
      const data = cl?.certificateAuthority?.data;
      return {
        name: cl?.name ?? name,
        arn: cl?.arn ?? '',
        status: cl?.status ?? '',
        issuer: cl?.identity?.oidc?.issuer,
        endpoint: cl?.endpoint,
        caPem: data ? Buffer.from(data, 'base64').toString('utf8') : undefined,
      };
    },
  };
}

const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined): Tag[] => (tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' }));

export function iamApi(c: AwsClientConfig): IamApi {
  const client = new IAMClient(sdkConfig(c));
  return {
    async getOidcProvider(arn) {
      try {
        const out = await call(() => client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
        return { arn, url: out.Url ?? '', clientIds: out.ClientIDList ?? [], thumbprints: out.ThumbprintList ?? [] };
      } catch (e) {
        if (isCode(e, 'NoSuchEntity')) return undefined;
        throw e;
      }
    },
    async createOidcProvider({ url, clientIds, thumbprints, tags }) {
      const out = await call(() =>
        client.send(
          new CreateOpenIDConnectProviderCommand({
            Url: url,
            ClientIDList: clientIds,
            ThumbprintList: thumbprints,
            Tags: tags.length ? tags.map((t) => ({ Key: t.key, Value: t.value })) : undefined,
          }),
        ),
      );
      return out.OpenIDConnectProviderArn ?? '';
    },
    async policyExists(arn) {
      try {
        await call(() => client.send(new GetPolicyCommand({ PolicyArn: arn })));
        return true;
      } catch (e) {
        if (isCode(e, 'NoSuchEntity')) return false;
        throw e;
      }
    },
    async getRole(name) {
      try {
        const out = await call(() => client.send(new GetRoleCommand({ RoleName: name })));
        return { name: out.Role?.RoleName ?? name, arn: out.Role?.Arn ?? '', tags: tagsOf(out.Role?.Tags) };
      } catch (e) {
        if (isCode(e, 'NoSuchEntity')) return undefined;
        throw e;
      }
    },
    async listRoles() {
      const roles: RoleInfo[] = [];
      let marker: string | undefined;
      do {
        const out = await call(() => client.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], Marker: marker })));
        for (const r of out.RoleDetailList ?? []) {
          roles.push({
            name: r.RoleName ?? '',
            arn: r.Arn ?? '',
            tags: tagsOf(r.Tags),
            attachedPolicies: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
          });
        }
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
      return roles;
    },
    async createRole({ name, trustPolicy, tags }) {
      const out = await call(() =>
        client.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy, Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) })),
      );
      return { name: out.Role?.RoleName ?? name, arn: out.Role?.Arn ?? '', tags };
    },
    async deleteRole(name) {
      await call(() => client.send(new DeleteRoleCommand({ RoleName: name })));
    },
    async attachRolePolicy(role, policyArn) {
      await call(() => client.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: policyArn })));
    },
    async detachRolePolicy(role, policyArn) {
      await call(() => client.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: policyArn })));
    },
    async listAttachedRolePolicies(role) {
      const arns: string[] = [];
      let marker: string | undefined;
      do {
        const out = await call(() => client.send(new ListAttachedRolePoliciesCommand({ RoleName: role, Marker: marker })));
        for (const p of out.AttachedPolicies ?? []) arns.push(p.PolicyArn ?? '');
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
      return arns;
    },
    async listRolePolicies(role) {
      const names: string[] = [];
      let marker: string | undefined;
      do {
        const out = await call(() => client.send(new ListRolePoliciesCommand({ RoleName: role, Marker: marker })));
        names.push(...(out.PolicyNames ?? []));
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
      return names;
    },
    async deleteRolePolicy(role, policyName) {
      await call(() => client.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: policyName })));
    },
  };
}
