import type { StoreTx } from '../store/store.js';
import { checkDocument, paginate } from './common.js';
import { write, type IamEnv } from './env.js';
import { boundaryNotAttachable, iamError, policyNotAttachable, policyNotFound, roleNotFound, userNotFound } from './errors.js';
import { K, entityScope, policyScope, type AttachedEntityDoc, type AttachmentDoc, type EntityType, type InlinePolicyDoc, type RoleDoc, type UserDoc } from './model.js';
import { findPolicy } from './policies.js';

/**
 * Policies of users and roles: attached managed policies (quota 10), inline policies (aggregate
 * size quota: role 10,240, user 2,048 characters) and the permissions boundary. One
 * implementation serves both entity types, as IAM's rules are the same.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
const ENTITY = {
  role: { kind: K.role, label: 'Role', quotaName: 'PoliciesPerRole', inlineMax: 10240, notFound: roleNotFound },
  user: { kind: K.user, label: 'User', quotaName: 'PoliciesPerUser', inlineMax: 2048, notFound: userNotFound },
} as const;

export const MAX_ATTACHED = 10;

type EntityDoc = RoleDoc | UserDoc;

export async function requireEntity(t: StoreTx, type: EntityType, account: string, name: string): Promise<EntityDoc> {
  const doc = await t.get<EntityDoc>(ENTITY[type].kind, account, name);
  if (!doc) throw ENTITY[type].notFound(name);
  return doc;
}

function entityName(doc: EntityDoc): string {
  return 'roleName' in doc ? (doc as RoleDoc).roleName : (doc as UserDoc).userName;
}

function entityId(doc: EntityDoc): string {
  return 'roleId' in doc ? (doc as RoleDoc).roleId : (doc as UserDoc).userId;
}

export async function attachPolicy(env: IamEnv, type: EntityType, account: string, name: string, policyArn: string): Promise<void> {
  await write(env, async (t) => {
    const entity = await requireEntity(t, type, account, name);
    const policy = await findPolicy(t, policyArn);
    if (!policy) throw policyNotAttachable(policyArn);
    const scope = entityScope(type, account, name);
    if (await t.get(K.attached, scope, policy.arn)) return; // attaching twice changes nothing
    if ((await t.count(K.attached, scope)) >= MAX_ATTACHED) throw iamError.limitExceeded(`Cannot exceed quota for ${ENTITY[type].quotaName}: ${MAX_ATTACHED}`);
    await t.put(K.attached, scope, policy.arn, { policyArn: policy.arn, policyName: policy.policyName } satisfies AttachmentDoc);
    await t.put(K.attachedTo, policyScope(policy.arn), `${type}:${entityName(entity)}`, {
      entityType: type,
      name: entityName(entity),
      id: entityId(entity),
      usage: 'PermissionsPolicy',
    } satisfies AttachedEntityDoc);
  });
}

export async function detachPolicy(env: IamEnv, type: EntityType, account: string, name: string, policyArn: string): Promise<void> {
  await write(env, async (t) => {
    const entity = await requireEntity(t, type, account, name);
    if (!(await t.delete(K.attached, entityScope(type, account, name), policyArn))) throw policyNotFound(policyArn);
    await t.delete(K.attachedTo, policyScope(policyArn), `${type}:${entityName(entity)}`);
  });
}

export async function listAttachedPolicies(
  env: IamEnv,
  type: EntityType,
  account: string,
  name: string,
  input: { pathPrefix?: string; marker?: string; maxItems?: number },
): Promise<{ attachedPolicies: { policyName: string; policyArn: string }[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    await requireEntity(t, type, account, name);
    let list = (await t.list<AttachmentDoc>(K.attached, entityScope(type, account, name))).map(({ doc }) => doc);
    if (input.pathPrefix) list = list.filter((a) => a.policyArn.split(':policy', 2)[1]?.startsWith(input.pathPrefix as string));
    const page = paginate(list, (a) => a.policyArn, input.marker, input.maxItems);
    return { attachedPolicies: page.items.map((a) => ({ policyName: a.policyName, policyArn: a.policyArn })), isTruncated: page.isTruncated, marker: page.marker };
  });
}

export async function putInlinePolicy(env: IamEnv, type: EntityType, account: string, name: string, policyName: string, document: string): Promise<void> {
  // The aggregate quota below replaces the per-document managed-policy quota.
  try {
    checkDocument(document, 'identity');
  } catch (e) {
    if (!(e instanceof Error && e.message.startsWith('Cannot exceed quota for PolicySize'))) throw e;
  }
  await write(env, async (t) => {
    const entity = await requireEntity(t, type, account, name);
    const scope = entityScope(type, account, name);
    const others = (await t.list<InlinePolicyDoc>(K.inline, scope)).filter((p) => p.key.toLowerCase() !== policyName.toLowerCase());
    const size = [document, ...others.map((o) => o.doc.document)].reduce((n, d) => n + d.replace(/\s/g, '').length, 0);
    if (size > ENTITY[type].inlineMax) throw iamError.limitExceeded(`Maximum policy size of ${ENTITY[type].inlineMax} bytes exceeded for ${type} ${entityName(entity)}`);
    await t.put(K.inline, scope, policyName, { policyName, document } satisfies InlinePolicyDoc);
  });
}

export async function getInlinePolicy(env: IamEnv, type: EntityType, account: string, name: string, policyName: string): Promise<{ entityName: string; policyName: string; policyDocument: string }> {
  return env.store.read(async (t) => {
    const entity = await requireEntity(t, type, account, name);
    const doc = await t.get<InlinePolicyDoc>(K.inline, entityScope(type, account, name), policyName);
    if (!doc) throw iamError.noSuchEntity(`The ${type} policy with name ${policyName} cannot be found.`);
    return { entityName: entityName(entity), policyName: doc.policyName, policyDocument: doc.document };
  });
}

export async function deleteInlinePolicy(env: IamEnv, type: EntityType, account: string, name: string, policyName: string): Promise<void> {
  await write(env, async (t) => {
    await requireEntity(t, type, account, name);
    if (!(await t.delete(K.inline, entityScope(type, account, name), policyName))) {
      throw iamError.noSuchEntity(`The ${type} policy with name ${policyName} cannot be found.`);
    }
  });
}

export async function listInlinePolicies(
  env: IamEnv,
  type: EntityType,
  account: string,
  name: string,
  input: { marker?: string; maxItems?: number },
): Promise<{ policyNames: string[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    await requireEntity(t, type, account, name);
    const names = (await t.list<InlinePolicyDoc>(K.inline, entityScope(type, account, name))).map(({ doc }) => doc.policyName);
    const page = paginate(names, (n) => n, input.marker, input.maxItems);
    return { policyNames: page.items, isTruncated: page.isTruncated, marker: page.marker };
  });
}

/** Sets or clears an entity's permissions boundary inside a transaction (used by create and put). */
export async function setBoundary(t: StoreTx, type: EntityType, entity: EntityDoc, account: string, arn: string | undefined): Promise<EntityDoc> {
  const name = entityName(entity);
  const previous = entity.permissionsBoundary;
  if (previous) await t.delete(K.attachedTo, policyScope(previous), `boundary:${type}:${name}`);
  if (arn) {
    const policy = await findPolicy(t, arn);
    if (!policy) throw boundaryNotAttachable(arn);
    await t.put(K.attachedTo, policyScope(policy.arn), `boundary:${type}:${name}`, {
      entityType: type,
      name,
      id: entityId(entity),
      usage: 'PermissionsBoundary',
    } satisfies AttachedEntityDoc);
  }
  const updated = { ...entity, permissionsBoundary: arn } as EntityDoc;
  await t.put(ENTITY[type].kind, account, name, updated);
  return updated;
}

export async function putBoundary(env: IamEnv, type: EntityType, account: string, name: string, arn: string): Promise<void> {
  await write(env, async (t) => setBoundary(t, type, await requireEntity(t, type, account, name), account, arn));
}

export async function deleteBoundary(env: IamEnv, type: EntityType, account: string, name: string): Promise<void> {
  await write(env, async (t) => setBoundary(t, type, await requireEntity(t, type, account, name), account, undefined));
}

/** DeleteConflict unless the entity has no attached or inline policies left. */
export async function assertNoPolicies(t: StoreTx, type: EntityType, account: string, name: string): Promise<void> {
  const scope = entityScope(type, account, name);
  if ((await t.count(K.attached, scope)) > 0) throw iamError.deleteConflict('Cannot delete entity, must detach all policies first.');
  if ((await t.count(K.inline, scope)) > 0) throw iamError.deleteConflict('Cannot delete entity, must delete policies first.');
}

export function boundaryView(arn: string | undefined): { permissionsBoundaryType: 'Policy'; permissionsBoundaryArn: string } | undefined {
  return arn ? { permissionsBoundaryType: 'Policy', permissionsBoundaryArn: arn } : undefined;
}

/**
 * ListEntitiesForPolicy: the users and roles a managed policy is attached to (or is the
 * permissions boundary of, with PolicyUsageFilter), filtered by entity type and path, users
 * before roles, paginated like every IAM list. No groups exist here, so PolicyGroups is empty.
 */
export async function listEntitiesForPolicy(
  env: IamEnv,
  account: string,
  input: { policyArn: string; entityFilter?: string; pathPrefix?: string; policyUsageFilter?: string; marker?: string; maxItems?: number },
): Promise<{ policyGroups: never[]; policyUsers: { userName: string; userId: string }[]; policyRoles: { roleName: string; roleId: string }[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const policy = await findPolicy(t, input.policyArn);
    if (!policy) throw policyNotFound(input.policyArn);
    const entities = (await t.list<AttachedEntityDoc>(K.attachedTo, policyScope(policy.arn))).map(({ doc }) => doc);
    const usage = input.policyUsageFilter;
    const wanted = (type: EntityType): boolean => !input.entityFilter || input.entityFilter.toLowerCase() === type;
    const rows: { type: EntityType; name: string; id: string }[] = [];
    for (const type of ['user', 'role'] as const) {
      if (!wanted(type)) continue;
      const picked = entities.filter((e) => e.entityType === type && (!usage || e.usage === usage));
      picked.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0));
      const seen = new Set<string>();
      for (const e of picked) {
        // Attached and used as a boundary: one entity, listed once.
        if (seen.has(e.name.toLowerCase())) continue;
        seen.add(e.name.toLowerCase());
        if (input.pathPrefix) {
          const doc = await t.get<EntityDoc>(ENTITY[type].kind, account, e.name);
          if (!doc || !doc.path.startsWith(input.pathPrefix)) continue;
        }
        rows.push({ type, name: e.name, id: e.id });
      }
    }
    const page = paginate(rows, (r) => `${r.type}:${r.name.toLowerCase()}`, input.marker, input.maxItems);
    return {
      policyGroups: [],
      policyUsers: page.items.filter((r) => r.type === 'user').map((r) => ({ userName: r.name, userId: r.id })),
      policyRoles: page.items.filter((r) => r.type === 'role').map((r) => ({ roleName: r.name, roleId: r.id })),
      isTruncated: page.isTruncated,
      marker: page.marker,
    };
  });
}
