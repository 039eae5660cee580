import { isAccountId, parseArn } from '../arn/arn.js';
import { validatePolicy, type PrincipalElement } from '../policy/index.js';
import type { StoreTx } from '../store/store.js';
import { checkDocument, id, mergeTags, paginate, removeTags, tagsFrom } from './common.js';
import { assertNoPolicies, boundaryView, requireEntity, setBoundary } from './entity-policies.js';
import { nowIso, write, type IamEnv } from './env.js';
import { iamError, roleNotFound } from './errors.js';
import { K, type RoleDoc, type Tag, type UserDoc } from './model.js';

/**
 * Roles (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html): names unique regardless
 * of case, a trust policy whose AWS principals in this account must exist when it is saved,
 * MaxSessionDuration 3600–43200 (a model constraint), tags, and no deletion while policies
 * remain.
 */
/** IAM's default quota of roles per account ("RolesPerAccount"; AWS raises it on request). */
export const MAX_ROLES = 1000;

export interface RoleView {
  path: string;
  roleName: string;
  roleId: string;
  arn: string;
  createDate: string;
  assumeRolePolicyDocument: string;
  description?: string | undefined;
  maxSessionDuration: number;
  permissionsBoundary?: ReturnType<typeof boundaryView>;
  tags?: Tag[] | undefined;
  roleLastUsed?: Record<string, never> | undefined;
}

function view(r: RoleDoc, full: boolean): RoleView {
  return {
    path: r.path,
    roleName: r.roleName,
    roleId: r.roleId,
    arn: r.arn,
    createDate: r.createDate,
    assumeRolePolicyDocument: r.assumeRolePolicyDocument,
    description: r.description,
    maxSessionDuration: r.maxSessionDuration,
    permissionsBoundary: full ? boundaryView(r.permissionsBoundary) : undefined,
    tags: full && r.tags.length ? r.tags : undefined,
    roleLastUsed: full ? {} : undefined,
  };
}

/**
 * Trust policies name principals that must resolve: IAM rejects a user or role of this account
 * that does not exist, and a value that is neither `*`, an account id nor an ARN
 * ("Invalid principal in policy").
 */
async function checkTrustPrincipals(t: StoreTx, account: string, text: string): Promise<void> {
  const doc = validatePolicy(text, 'trust');
  for (const st of doc.statements) {
    const el: PrincipalElement | undefined = st.principal;
    if (!el || el === '*') continue;
    for (const v of el.AWS ?? []) {
      if (v === '*' || isAccountId(v)) continue;
      const arn = parseArn(v);
      const bad = iamError.malformedPolicy(`Invalid principal in policy: "AWS":"${v}"`);
      if (!arn || !isAccountId(arn.account) || (arn.service !== 'iam' && arn.service !== 'sts')) throw bad;
      if (arn.account !== account || arn.service !== 'iam') continue;
      const m = /^(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn.resource);
      if (arn.resource === 'root') continue;
      if (!m) throw bad;
      const found = m[1] === 'user' ? await t.get<UserDoc>(K.user, account, m[2] as string) : await t.get<RoleDoc>(K.role, account, m[2] as string);
      if (!found || found.arn !== v) throw bad;
    }
  }
}

export async function createRole(
  env: IamEnv,
  account: string,
  input: {
    roleName: string;
    path?: string;
    assumeRolePolicyDocument: string;
    description?: string;
    maxSessionDuration?: number;
    permissionsBoundary?: string;
    tags?: { key?: unknown; value?: unknown }[];
  },
): Promise<{ role: RoleView }> {
  checkDocument(input.assumeRolePolicyDocument, 'trust');
  const tags = tagsFrom(input.tags);
  const path = input.path ?? '/';
  const doc: RoleDoc = {
    roleName: input.roleName,
    roleId: id(env, 'AROA'),
    path,
    arn: `arn:${env.partition}:iam::${account}:role${path}${input.roleName}`,
    createDate: nowIso(env),
    assumeRolePolicyDocument: input.assumeRolePolicyDocument,
    description: input.description,
    maxSessionDuration: input.maxSessionDuration ?? 3600,
    tags,
  };
  return write(env, async (t) => {
    await checkTrustPrincipals(t, account, input.assumeRolePolicyDocument);
    if (await t.get(K.role, account, doc.roleName)) throw iamError.entityAlreadyExists(`Role with name ${input.roleName} already exists.`);
    if ((await t.count(K.role, account)) >= MAX_ROLES) throw iamError.limitExceeded(`Cannot exceed quota for RolesPerAccount: ${MAX_ROLES}`);
    if (!(await t.insert(K.role, account, doc.roleName, doc))) throw iamError.entityAlreadyExists(`Role with name ${input.roleName} already exists.`);
    const saved = input.permissionsBoundary ? ((await setBoundary(t, 'role', doc, account, input.permissionsBoundary)) as RoleDoc) : doc;
    const v = view(saved, true);
    return { role: { ...v, roleLastUsed: undefined } };
  });
}

async function requireRole(t: StoreTx, account: string, name: string): Promise<RoleDoc> {
  return (await requireEntity(t, 'role', account, name)) as RoleDoc;
}

export async function getRole(env: IamEnv, account: string, input: { roleName: string }): Promise<{ role: RoleView }> {
  return env.store.read(async (t) => ({ role: view(await requireRole(t, account, input.roleName), true) }));
}

/** The stored role, for STS and authorization. */
export async function findRole(env: IamEnv, account: string, name: string): Promise<RoleDoc | undefined> {
  return env.store.read((t) => t.get<RoleDoc>(K.role, account, name));
}

export async function listRoles(
  env: IamEnv,
  account: string,
  input: { pathPrefix?: string; marker?: string; maxItems?: number },
): Promise<{ roles: RoleView[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    let roles = (await t.list<RoleDoc>(K.role, account)).map(({ doc }) => doc);
    if (input.pathPrefix) roles = roles.filter((r) => r.path.startsWith(input.pathPrefix as string));
    const page = paginate(roles, (r) => r.roleName.toLowerCase(), input.marker, input.maxItems);
    return { roles: page.items.map((r) => view(r, false)), isTruncated: page.isTruncated, marker: page.marker };
  });
}

export async function updateRole(env: IamEnv, account: string, input: { roleName: string; description?: string; maxSessionDuration?: number }): Promise<Record<string, never>> {
  await write(env, async (t) => {
    const r = await requireRole(t, account, input.roleName);
    await t.put(K.role, account, r.roleName, {
      ...r,
      description: input.description ?? r.description,
      maxSessionDuration: input.maxSessionDuration ?? r.maxSessionDuration,
    });
  });
  return {};
}

export async function updateRoleDescription(env: IamEnv, account: string, input: { roleName: string; description: string }): Promise<{ role: RoleView }> {
  return write(env, async (t) => {
    const r = await requireRole(t, account, input.roleName);
    const updated = { ...r, description: input.description };
    await t.put(K.role, account, r.roleName, updated);
    return { role: view(updated, true) };
  });
}

export async function updateAssumeRolePolicy(env: IamEnv, account: string, input: { roleName: string; policyDocument: string }): Promise<void> {
  checkDocument(input.policyDocument, 'trust');
  await write(env, async (t) => {
    const r = await requireRole(t, account, input.roleName);
    await checkTrustPrincipals(t, account, input.policyDocument);
    await t.put(K.role, account, r.roleName, { ...r, assumeRolePolicyDocument: input.policyDocument });
  });
}

export async function deleteRole(env: IamEnv, account: string, input: { roleName: string }): Promise<void> {
  await write(env, async (t) => {
    const r = await t.get<RoleDoc>(K.role, account, input.roleName);
    if (!r) throw roleNotFound(input.roleName);
    await assertNoPolicies(t, 'role', account, input.roleName);
    if (r.permissionsBoundary) await setBoundary(t, 'role', r, account, undefined);
    await t.delete(K.role, account, input.roleName);
  });
}

export async function tagRole(env: IamEnv, account: string, input: { roleName: string; tags: { key?: unknown; value?: unknown }[] }): Promise<void> {
  const added = tagsFrom(input.tags);
  await write(env, async (t) => {
    const r = await requireRole(t, account, input.roleName);
    await t.put(K.role, account, r.roleName, { ...r, tags: mergeTags(r.tags, added) });
  });
}

export async function untagRole(env: IamEnv, account: string, input: { roleName: string; tagKeys: string[] }): Promise<void> {
  await write(env, async (t) => {
    const r = await requireRole(t, account, input.roleName);
    await t.put(K.role, account, r.roleName, { ...r, tags: removeTags(r.tags, input.tagKeys) });
  });
}

export async function listRoleTags(env: IamEnv, account: string, input: { roleName: string; marker?: string; maxItems?: number }): Promise<{ tags: Tag[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const r = await requireRole(t, account, input.roleName);
    const page = paginate(r.tags, (x) => x.key, input.marker, input.maxItems);
    return { tags: page.items, isTruncated: page.isTruncated, marker: page.marker };
  });
}
