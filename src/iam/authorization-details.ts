import type { StoreTx } from '../store/store.js';
import { paginate } from './common.js';
import { boundaryView } from './entity-policies.js';
import type { IamEnv } from './env.js';
import { K, entityScope, policyScope, type AttachedEntityDoc, type AttachmentDoc, type EntityType, type InlinePolicyDoc, type PolicyDoc, type PolicyVersionDoc, type RoleDoc, type UserDoc } from './model.js';

/**
 * GetAccountAuthorizationDetails: every user, role and managed policy with their policies, as one
 * snapshot (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html).
 * Filters: User, Role, Group, LocalManagedPolicy, AWSManagedPolicy.
 */
type Item =
  | { kind: 'user'; key: string; value: Record<string, unknown> }
  | { kind: 'role'; key: string; value: Record<string, unknown> }
  | { kind: 'policy'; key: string; value: Record<string, unknown> };

async function entityPolicies(t: StoreTx, type: EntityType, account: string, name: string) {
  const scope = entityScope(type, account, name);
  const inline = (await t.list<InlinePolicyDoc>(K.inline, scope)).map(({ doc }) => ({ policyName: doc.policyName, policyDocument: doc.document }));
  const attached = (await t.list<AttachmentDoc>(K.attached, scope)).map(({ doc }) => ({ policyName: doc.policyName, policyArn: doc.policyArn }));
  return { inline, attached };
}

export async function getAccountAuthorizationDetails(
  env: IamEnv,
  account: string,
  input: { filter?: string[]; maxItems?: number; marker?: string },
): Promise<Record<string, unknown>> {
  const filter = new Set(input.filter?.length ? input.filter : ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy']);
  const items: Item[] = await env.store.read(async (t) => {
    const out: Item[] = [];
    if (filter.has('User')) {
      for (const { doc: u } of await t.list<UserDoc>(K.user, account)) {
        const { inline, attached } = await entityPolicies(t, 'user', account, u.userName);
        out.push({
          kind: 'user',
          key: `1:${u.userName.toLowerCase()}`,
          value: {
            path: u.path,
            userName: u.userName,
            userId: u.userId,
            arn: u.arn,
            createDate: u.createDate,
            userPolicyList: inline,
            groupList: [],
            attachedManagedPolicies: attached,
            permissionsBoundary: boundaryView(u.permissionsBoundary),
            tags: u.tags.length ? u.tags : undefined,
          },
        });
      }
    }
    if (filter.has('Role')) {
      for (const { doc: r } of await t.list<RoleDoc>(K.role, account)) {
        const { inline, attached } = await entityPolicies(t, 'role', account, r.roleName);
        out.push({
          kind: 'role',
          key: `2:${r.roleName.toLowerCase()}`,
          value: {
            path: r.path,
            roleName: r.roleName,
            roleId: r.roleId,
            arn: r.arn,
            createDate: r.createDate,
            assumeRolePolicyDocument: r.assumeRolePolicyDocument,
            instanceProfileList: [],
            rolePolicyList: inline,
            attachedManagedPolicies: attached,
            permissionsBoundary: boundaryView(r.permissionsBoundary),
            tags: r.tags.length ? r.tags : undefined,
            roleLastUsed: {},
          },
        });
      }
    }
    const scopes = [...(filter.has('AWSManagedPolicy') ? ['aws'] : []), ...(filter.has('LocalManagedPolicy') ? [account] : [])];
    for (const scope of scopes) {
      for (const { doc: p } of await t.list<PolicyDoc>(K.policy, scope)) {
        const entities = await t.list<AttachedEntityDoc>(K.attachedTo, policyScope(p.arn));
        const versions = (await t.list<PolicyVersionDoc>(K.policyVersion, policyScope(p.arn))).map(({ doc }) => ({
          document: doc.document,
          versionId: doc.versionId,
          isDefaultVersion: doc.versionId === p.defaultVersionId,
          createDate: doc.createDate,
        }));
        out.push({
          kind: 'policy',
          key: `3:${p.arn.toLowerCase()}`,
          value: {
            policyName: p.policyName,
            policyId: p.policyId,
            arn: p.arn,
            path: p.path,
            defaultVersionId: p.defaultVersionId,
            attachmentCount: entities.filter((e) => e.doc.usage === 'PermissionsPolicy').length,
            permissionsBoundaryUsageCount: entities.filter((e) => e.doc.usage === 'PermissionsBoundary').length,
            isAttachable: true,
            description: p.description,
            createDate: p.createDate,
            updateDate: p.updateDate,
            policyVersionList: versions,
          },
        });
      }
    }
    return out;
  });
  const page = paginate(items, (i) => i.key, input.marker, input.maxItems);
  return {
    userDetailList: page.items.filter((i) => i.kind === 'user').map((i) => i.value),
    groupDetailList: [],
    roleDetailList: page.items.filter((i) => i.kind === 'role').map((i) => i.value),
    policies: page.items.filter((i) => i.kind === 'policy').map((i) => i.value),
    isTruncated: page.isTruncated,
    marker: page.marker,
  };
}
