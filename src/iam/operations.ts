import { getAccountAuthorizationDetails } from './authorization-details.js';
import * as ep from './entity-policies.js';
import type { IamEnv } from './env.js';
import { iamError } from './errors.js';
import { K, type RoleDoc, type UserDoc } from './model.js';
import * as oidc from './oidc-providers.js';
import * as policies from './policies.js';
import type { PolicyCache } from './principal-policies.js';
import * as roles from './roles.js';
import { simulateCustomPolicy, simulatePrincipalPolicy } from './simulate.js';
import * as users from './users.js';

/**
 * IAM's operations: for each, the resource its authorization names (the ARN AWS evaluates
 * `iam:<Operation>` against) and what it does. Inputs and outputs use IAM's member names,
 * camelCased; the wire layer converts to and from the query protocol.
 */
export interface IamCall {
  readonly account: string;
  /** The calling IAM user's name, for operations that default to the caller (CreateAccessKey). */
  readonly callerUserName: string | undefined;
}

// Inputs arrive validated against the model; fields are read by name.
type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Out = Record<string, unknown> | void;

export interface IamOperation {
  resource(input: In, call: IamCall): Promise<string>;
  run(input: In, call: IamCall): Promise<Out>;
}

export function iamOperations(env: IamEnv, cache: PolicyCache): Record<string, IamOperation> {
  const arn = (account: string, type: string, path: string | undefined, name: string) => `arn:${env.partition}:iam::${account}:${type}${path ?? '/'}${name}`;
  const existing = async (kind: string, account: string, name: string, fallback: string): Promise<string> => {
    const doc = await env.store.read((t) => t.get<RoleDoc | UserDoc>(kind, account, name));
    return (doc?.arn as string | undefined) ?? fallback;
  };
  const role = (i: In, c: IamCall) => existing(K.role, c.account, i.roleName, arn(c.account, 'role', '/', i.roleName));
  const user = (i: In, c: IamCall) => {
    const name = i.userName ?? c.callerUserName;
    return name ? existing(K.user, c.account, name, arn(c.account, 'user', '/', name)) : Promise.resolve(`arn:${env.partition}:iam::${c.account}:user/`);
  };
  const policyArn = async (i: In) => i.policyArn as string;
  const provider = async (i: In) => i.openIDConnectProviderArn as string;
  const list = (type: string) => async (i: In, c: IamCall) => `arn:${env.partition}:iam::${c.account}:${type}${i.pathPrefix ?? '/'}`;
  const star = async () => '*';
  const userName = (i: In, c: IamCall): string => {
    const n = i.userName ?? c.callerUserName;
    if (!n) throw iamError.validation('Must specify userName when calling with non-User credentials');
    return n;
  };

  return {
    // ---- managed policies
    CreatePolicy: { resource: async (i, c) => arn(c.account, 'policy', i.path, i.policyName), run: (i, c) => policies.createPolicy(env, c.account, i as never) },
    GetPolicy: { resource: policyArn, run: (i) => policies.getPolicy(env, i as never) },
    ListPolicies: { resource: list('policy'), run: (i, c) => policies.listPolicies(env, c.account, i) },
    DeletePolicy: { resource: policyArn, run: (i) => policies.deletePolicy(env, i as never) },
    CreatePolicyVersion: { resource: policyArn, run: (i) => policies.createPolicyVersion(env, i as never) },
    GetPolicyVersion: { resource: policyArn, run: (i) => policies.getPolicyVersion(env, i as never) },
    ListPolicyVersions: { resource: policyArn, run: (i) => policies.listPolicyVersions(env, i as never) },
    DeletePolicyVersion: { resource: policyArn, run: (i) => policies.deletePolicyVersion(env, i as never) },
    SetDefaultPolicyVersion: { resource: policyArn, run: (i) => policies.setDefaultPolicyVersion(env, i as never) },
    TagPolicy: { resource: policyArn, run: (i) => policies.tagPolicy(env, i as never) },
    UntagPolicy: { resource: policyArn, run: (i) => policies.untagPolicy(env, i as never) },
    ListPolicyTags: { resource: policyArn, run: (i) => policies.listPolicyTags(env, i as never) },

    // ---- roles
    CreateRole: { resource: async (i, c) => arn(c.account, 'role', i.path, i.roleName), run: (i, c) => roles.createRole(env, c.account, i as never) },
    GetRole: { resource: role, run: (i, c) => roles.getRole(env, c.account, i as never) },
    ListRoles: { resource: list('role'), run: (i, c) => roles.listRoles(env, c.account, i) },
    UpdateRole: { resource: role, run: (i, c) => roles.updateRole(env, c.account, i as never) },
    UpdateRoleDescription: { resource: role, run: (i, c) => roles.updateRoleDescription(env, c.account, i as never) },
    DeleteRole: { resource: role, run: (i, c) => roles.deleteRole(env, c.account, i as never) },
    UpdateAssumeRolePolicy: { resource: role, run: (i, c) => roles.updateAssumeRolePolicy(env, c.account, i as never) },
    TagRole: { resource: role, run: (i, c) => roles.tagRole(env, c.account, i as never) },
    UntagRole: { resource: role, run: (i, c) => roles.untagRole(env, c.account, i as never) },
    ListRoleTags: { resource: role, run: (i, c) => roles.listRoleTags(env, c.account, i as never) },
    AttachRolePolicy: { resource: role, run: (i, c) => ep.attachPolicy(env, 'role', c.account, i.roleName, i.policyArn) },
    DetachRolePolicy: { resource: role, run: (i, c) => ep.detachPolicy(env, 'role', c.account, i.roleName, i.policyArn) },
    ListAttachedRolePolicies: { resource: role, run: (i, c) => ep.listAttachedPolicies(env, 'role', c.account, i.roleName, i) },
    PutRolePolicy: { resource: role, run: (i, c) => ep.putInlinePolicy(env, 'role', c.account, i.roleName, i.policyName, i.policyDocument) },
    GetRolePolicy: {
      resource: role,
      run: async (i, c) => {
        const r = await ep.getInlinePolicy(env, 'role', c.account, i.roleName, i.policyName);
        return { roleName: r.entityName, policyName: r.policyName, policyDocument: r.policyDocument };
      },
    },
    DeleteRolePolicy: { resource: role, run: (i, c) => ep.deleteInlinePolicy(env, 'role', c.account, i.roleName, i.policyName) },
    ListRolePolicies: { resource: role, run: (i, c) => ep.listInlinePolicies(env, 'role', c.account, i.roleName, i) },
    PutRolePermissionsBoundary: { resource: role, run: (i, c) => ep.putBoundary(env, 'role', c.account, i.roleName, i.permissionsBoundary) },
    DeleteRolePermissionsBoundary: { resource: role, run: (i, c) => ep.deleteBoundary(env, 'role', c.account, i.roleName) },
    ListEntitiesForPolicy: { resource: policyArn, run: (i, c) => ep.listEntitiesForPolicy(env, c.account, i as never) },

    // ---- OIDC providers
    CreateOpenIDConnectProvider: {
      resource: async (i, c) => {
        try {
          return oidc.providerArn(env, c.account, oidc.providerKey(i.url));
        } catch {
          return `arn:${env.partition}:iam::${c.account}:oidc-provider/`;
        }
      },
      run: (i, c) => oidc.createOpenIDConnectProvider(env, c.account, i as never),
    },
    GetOpenIDConnectProvider: { resource: provider, run: (i, c) => oidc.getOpenIDConnectProvider(env, c.account, i as never) },
    ListOpenIDConnectProviders: { resource: star, run: (_i, c) => oidc.listOpenIDConnectProviders(env, c.account) },
    DeleteOpenIDConnectProvider: { resource: provider, run: (i, c) => oidc.deleteOpenIDConnectProvider(env, c.account, i as never) },
    AddClientIDToOpenIDConnectProvider: { resource: provider, run: (i, c) => oidc.addClientIDToOpenIDConnectProvider(env, c.account, i as never) },
    RemoveClientIDFromOpenIDConnectProvider: { resource: provider, run: (i, c) => oidc.removeClientIDFromOpenIDConnectProvider(env, c.account, i as never) },
    UpdateOpenIDConnectProviderThumbprint: { resource: provider, run: (i, c) => oidc.updateOpenIDConnectProviderThumbprint(env, c.account, i as never) },
    TagOpenIDConnectProvider: { resource: provider, run: (i, c) => oidc.tagOpenIDConnectProvider(env, c.account, i as never) },
    UntagOpenIDConnectProvider: { resource: provider, run: (i, c) => oidc.untagOpenIDConnectProvider(env, c.account, i as never) },
    ListOpenIDConnectProviderTags: { resource: provider, run: (i, c) => oidc.listOpenIDConnectProviderTags(env, c.account, i as never) },

    // ---- users and access keys
    CreateUser: { resource: async (i, c) => arn(c.account, 'user', i.path, i.userName), run: (i, c) => users.createUser(env, c.account, i as never) },
    GetUser: { resource: user, run: (i, c) => users.getUser(env, c.account, { userName: userName(i, c) }) },
    ListUsers: { resource: list('user'), run: (i, c) => users.listUsers(env, c.account, i) },
    DeleteUser: { resource: user, run: (i, c) => users.deleteUser(env, c.account, i as never) },
    TagUser: { resource: user, run: (i, c) => users.tagUser(env, c.account, i as never) },
    UntagUser: { resource: user, run: (i, c) => users.untagUser(env, c.account, i as never) },
    ListUserTags: { resource: user, run: (i, c) => users.listUserTags(env, c.account, i as never) },
    CreateAccessKey: { resource: user, run: (i, c) => users.createAccessKey(env, c.account, userName(i, c)) },
    ListAccessKeys: { resource: user, run: (i, c) => users.listAccessKeys(env, c.account, userName(i, c), i) },
    DeleteAccessKey: { resource: user, run: (i, c) => users.deleteAccessKey(env, c.account, userName(i, c), i.accessKeyId) },
    UpdateAccessKey: { resource: user, run: (i, c) => users.updateAccessKey(env, c.account, userName(i, c), i.accessKeyId, i.status) },
    AttachUserPolicy: { resource: user, run: (i, c) => ep.attachPolicy(env, 'user', c.account, i.userName, i.policyArn) },
    DetachUserPolicy: { resource: user, run: (i, c) => ep.detachPolicy(env, 'user', c.account, i.userName, i.policyArn) },
    ListAttachedUserPolicies: { resource: user, run: (i, c) => ep.listAttachedPolicies(env, 'user', c.account, i.userName, i) },
    PutUserPolicy: { resource: user, run: (i, c) => ep.putInlinePolicy(env, 'user', c.account, i.userName, i.policyName, i.policyDocument) },
    GetUserPolicy: {
      resource: user,
      run: async (i, c) => {
        const r = await ep.getInlinePolicy(env, 'user', c.account, i.userName, i.policyName);
        return { userName: r.entityName, policyName: r.policyName, policyDocument: r.policyDocument };
      },
    },
    DeleteUserPolicy: { resource: user, run: (i, c) => ep.deleteInlinePolicy(env, 'user', c.account, i.userName, i.policyName) },
    ListUserPolicies: { resource: user, run: (i, c) => ep.listInlinePolicies(env, 'user', c.account, i.userName, i) },
    PutUserPermissionsBoundary: { resource: user, run: (i, c) => ep.putBoundary(env, 'user', c.account, i.userName, i.permissionsBoundary) },
    DeleteUserPermissionsBoundary: { resource: user, run: (i, c) => ep.deleteBoundary(env, 'user', c.account, i.userName) },

    // ---- account-wide
    GetAccountAuthorizationDetails: { resource: star, run: (i, c) => getAccountAuthorizationDetails(env, c.account, i) },
    SimulateCustomPolicy: { resource: star, run: async (i, c) => simulateCustomPolicy(c.account, i as never) },
    SimulatePrincipalPolicy: { resource: async (i) => i.policySourceArn, run: (i, c) => simulatePrincipalPolicy(cache, c.account, i as never) },
  };
}
