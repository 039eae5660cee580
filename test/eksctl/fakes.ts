/**
 * In-memory stand-ins for the EKS, IAM and Kubernetes APIs the eksctl commands use (the ports in
 * src/eksctl/ports.ts), with failure injection: `failOn` makes the named operation reject once.
 */
import { ApiError, type ClusterInfo, type EksApi, type IamApi, type KubeApi, type OidcProviderInfo, type RoleInfo, type ServiceAccountInfo, type Tag } from '../../src/eksctl/ports.js';

export const ACCOUNT = '123456789012';
export const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/8D0001CD000BFF000757000C95000D86';
export const HOST_PATH = 'oidc.eks.us-east-1.amazonaws.com/id/8D0001CD000BFF000757000C95000D86';
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`;

export function fakeEks(clusters: Record<string, Partial<ClusterInfo>> = { 'weasel-eks': {} }): EksApi {
  return {
    async describeCluster(name) {
      const c = clusters[name];
      if (!c) throw new ApiError('ResourceNotFoundException', `No cluster found for name: ${name}.`);
      return { name, arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${name}`, status: 'ACTIVE', issuer: ISSUER, endpoint: 'https://127.0.0.1:6443', caPem: undefined, ...c };
    },
  };
}

interface FakeRole {
  name: string;
  arn: string;
  trustPolicy: string;
  tags: Tag[];
  attached: string[];
  inline: string[];
}

/** Records each call and makes an operation named by `failOn` reject once. */
abstract class Recorder {
  readonly calls: string[] = [];
  private readonly failures = new Map<string, ApiError>();
  protected abstract readonly failureCode: string;

  failOn(op: string, err = new ApiError(this.failureCode, `injected failure in ${op}`)): void {
    this.failures.set(op, err);
  }

  protected enter(op: string): void {
    this.calls.push(op);
    const err = this.failures.get(op);
    if (err) {
      this.failures.delete(op);
      throw err;
    }
  }
}

export class FakeIam extends Recorder implements IamApi {
  protected readonly failureCode = 'ServiceFailure';
  readonly providers = new Map<string, OidcProviderInfo & { tags: Tag[] }>();
  readonly policies = new Set<string>();
  readonly roles = new Map<string, FakeRole>();

  async getOidcProvider(arn: string) {
    this.enter('getOidcProvider');
    return this.providers.get(arn);
  }
  async createOidcProvider(input: { url: string; clientIds: string[]; thumbprints: string[]; tags: Tag[] }) {
    this.enter('createOidcProvider');
    const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${input.url.replace(/^https:\/\//, '')}`;
    if (this.providers.has(arn)) throw new ApiError('EntityAlreadyExists', `Provider with url ${input.url} already exists.`);
    this.providers.set(arn, { arn, url: input.url, clientIds: input.clientIds, thumbprints: input.thumbprints, tags: input.tags });
    return arn;
  }
  async policyExists(arn: string) {
    this.enter('policyExists');
    return this.policies.has(arn);
  }
  private info(r: FakeRole): RoleInfo {
    return { name: r.name, arn: r.arn, tags: r.tags, attachedPolicies: [...r.attached] };
  }
  async getRole(name: string) {
    this.enter('getRole');
    const r = this.roles.get(name.toLowerCase());
    return r && this.info(r);
  }
  async listRoles() {
    this.enter('listRoles');
    return [...this.roles.values()].map((r) => this.info(r));
  }
  async createRole(input: { name: string; trustPolicy: string; tags: Tag[] }) {
    this.enter('createRole');
    if (this.roles.has(input.name.toLowerCase())) throw new ApiError('EntityAlreadyExists', `Role with name ${input.name} already exists.`);
    const r: FakeRole = { name: input.name, arn: `arn:aws:iam::${ACCOUNT}:role/${input.name}`, trustPolicy: input.trustPolicy, tags: input.tags, attached: [], inline: [] };
    this.roles.set(input.name.toLowerCase(), r);
    return this.info(r);
  }
  private role(name: string): FakeRole {
    const r = this.roles.get(name.toLowerCase());
    if (!r) throw new ApiError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    return r;
  }
  async deleteRole(name: string) {
    this.enter('deleteRole');
    const r = this.role(name);
    if (r.attached.length || r.inline.length) throw new ApiError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    this.roles.delete(name.toLowerCase());
  }
  async attachRolePolicy(role: string, arn: string) {
    this.enter('attachRolePolicy');
    const r = this.role(role);
    if (!this.policies.has(arn)) throw new ApiError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    if (!r.attached.includes(arn)) r.attached.push(arn);
  }
  async detachRolePolicy(role: string, arn: string) {
    this.enter('detachRolePolicy');
    const r = this.role(role);
    r.attached = r.attached.filter((a) => a !== arn);
  }
  async listAttachedRolePolicies(role: string) {
    this.enter('listAttachedRolePolicies');
    return [...this.role(role).attached];
  }
  async listRolePolicies(role: string) {
    this.enter('listRolePolicies');
    return [...this.role(role).inline];
  }
  async deleteRolePolicy(role: string, name: string) {
    this.enter('deleteRolePolicy');
    const r = this.role(role);
    r.inline = r.inline.filter((n) => n !== name);
  }
}

export class FakeKube extends Recorder implements KubeApi {
  protected readonly failureCode = '500';
  readonly server = 'https://127.0.0.1:6443';
  readonly namespaces = new Set<string>(['default', 'kube-system']);
  readonly serviceAccounts = new Map<string, ServiceAccountInfo>();
  async namespaceExists(name: string) {
    this.enter('namespaceExists');
    return this.namespaces.has(name);
  }
  async createNamespace(name: string) {
    this.enter('createNamespace');
    this.namespaces.add(name);
  }
  async deleteNamespace(name: string) {
    this.enter('deleteNamespace');
    this.namespaces.delete(name);
  }
  async getServiceAccount(namespace: string, name: string) {
    this.enter('getServiceAccount');
    return this.serviceAccounts.get(`${namespace}/${name}`);
  }
  async listServiceAccounts(namespace?: string) {
    this.enter('listServiceAccounts');
    return [...this.serviceAccounts.values()].filter((s) => namespace === undefined || s.namespace === namespace);
  }
  async createServiceAccount(sa: ServiceAccountInfo) {
    this.enter('createServiceAccount');
    if (!this.namespaces.has(sa.namespace)) throw new ApiError('404', `namespaces "${sa.namespace}" not found`);
    this.serviceAccounts.set(`${sa.namespace}/${sa.name}`, sa);
  }
  async updateServiceAccountMetadata(sa: ServiceAccountInfo) {
    this.enter('updateServiceAccountMetadata');
    this.serviceAccounts.set(`${sa.namespace}/${sa.name}`, sa);
  }
  async deleteServiceAccount(namespace: string, name: string) {
    this.enter('deleteServiceAccount');
    this.serviceAccounts.delete(`${namespace}/${name}`);
  }
}
