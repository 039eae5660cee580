import { newId, newSecretKey } from '../aws/ids.js';
import type { StoreTx } from '../store/store.js';
import { id, mergeTags, paginate, removeTags, tagsFrom } from './common.js';
import { assertNoPolicies, boundaryView, requireEntity, setBoundary } from './entity-policies.js';
import { nowIso, write, type IamEnv } from './env.js';
import { iamError, userNotFound } from './errors.js';
import { K, type AccessKeyDoc, type Tag, type UserDoc } from './model.js';

/**
 * IAM users and their access keys (at most two per user). Secret keys are sealed at rest and
 * returned only once, by CreateAccessKey, as IAM does.
 */
export const MAX_ACCESS_KEYS = 2;
/** IAM's default quota of users per account ("UsersPerAccount"). */
export const MAX_USERS = 5000;

export interface UserView {
  path: string;
  userName: string;
  userId: string;
  arn: string;
  createDate: string;
  permissionsBoundary?: ReturnType<typeof boundaryView>;
  tags?: Tag[] | undefined;
}

function view(u: UserDoc, full: boolean): UserView {
  return {
    path: u.path,
    userName: u.userName,
    userId: u.userId,
    arn: u.arn,
    createDate: u.createDate,
    permissionsBoundary: full ? boundaryView(u.permissionsBoundary) : undefined,
    tags: full && u.tags.length ? u.tags : undefined,
  };
}

async function requireUser(t: StoreTx, account: string, name: string): Promise<UserDoc> {
  return (await requireEntity(t, 'user', account, name)) as UserDoc;
}

export async function createUser(
  env: IamEnv,
  account: string,
  input: { userName: string; path?: string; permissionsBoundary?: string; tags?: { key?: unknown; value?: unknown }[] },
): Promise<{ user: UserView }> {
  const path = input.path ?? '/';
  const doc: UserDoc = {
    userName: input.userName,
    userId: id(env, 'AIDA'),
    path,
    arn: `arn:${env.partition}:iam::${account}:user${path}${input.userName}`,
    createDate: nowIso(env),
    tags: tagsFrom(input.tags),
  };
  return write(env, async (t) => {
    if (await t.get(K.user, account, doc.userName)) throw iamError.entityAlreadyExists(`User with name ${input.userName} already exists.`);
    if ((await t.count(K.user, account)) >= MAX_USERS) throw iamError.limitExceeded(`Cannot exceed quota for UsersPerAccount: ${MAX_USERS}`);
    if (!(await t.insert(K.user, account, doc.userName, doc))) throw iamError.entityAlreadyExists(`User with name ${input.userName} already exists.`);
    const saved = input.permissionsBoundary ? ((await setBoundary(t, 'user', doc, account, input.permissionsBoundary)) as UserDoc) : doc;
    return { user: view(saved, true) };
  });
}

export async function getUser(env: IamEnv, account: string, input: { userName: string }): Promise<{ user: UserView }> {
  return env.store.read(async (t) => ({ user: view(await requireUser(t, account, input.userName), true) }));
}

export async function findUser(env: IamEnv, account: string, name: string): Promise<UserDoc | undefined> {
  return env.store.read((t) => t.get<UserDoc>(K.user, account, name));
}

export async function listUsers(env: IamEnv, account: string, input: { pathPrefix?: string; marker?: string; maxItems?: number }): Promise<{ users: UserView[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    let users = (await t.list<UserDoc>(K.user, account)).map(({ doc }) => doc);
    if (input.pathPrefix) users = users.filter((u) => u.path.startsWith(input.pathPrefix as string));
    const page = paginate(users, (u) => u.userName.toLowerCase(), input.marker, input.maxItems);
    return { users: page.items.map((u) => view(u, false)), isTruncated: page.isTruncated, marker: page.marker };
  });
}

export async function deleteUser(env: IamEnv, account: string, input: { userName: string }): Promise<void> {
  await write(env, async (t) => {
    const u = await t.get<UserDoc>(K.user, account, input.userName);
    if (!u) throw userNotFound(input.userName);
    if ((await t.count(K.userAccessKey, userKeysScope(account, u.userName))) > 0) throw iamError.deleteConflict('Cannot delete entity, must delete access keys first.');
    await assertNoPolicies(t, 'user', account, u.userName);
    if (u.permissionsBoundary) await setBoundary(t, 'user', u, account, undefined);
    await t.delete(K.user, account, u.userName);
  });
}

export async function tagUser(env: IamEnv, account: string, input: { userName: string; tags: { key?: unknown; value?: unknown }[] }): Promise<void> {
  const added = tagsFrom(input.tags);
  await write(env, async (t) => {
    const u = await requireUser(t, account, input.userName);
    await t.put(K.user, account, u.userName, { ...u, tags: mergeTags(u.tags, added) });
  });
}

export async function untagUser(env: IamEnv, account: string, input: { userName: string; tagKeys: string[] }): Promise<void> {
  await write(env, async (t) => {
    const u = await requireUser(t, account, input.userName);
    await t.put(K.user, account, u.userName, { ...u, tags: removeTags(u.tags, input.tagKeys) });
  });
}

export async function listUserTags(env: IamEnv, account: string, input: { userName: string; marker?: string; maxItems?: number }): Promise<{ tags: Tag[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const u = await requireUser(t, account, input.userName);
    const page = paginate(u.tags, (x) => x.key, input.marker, input.maxItems);
    return { tags: page.items, isTruncated: page.isTruncated, marker: page.marker };
  });
}

// ---- access keys ------------------------------------------------------------------------------

const userKeysScope = (account: string, userName: string): string => `${account}:${userName.toLowerCase()}`;

export interface AccessKeyView {
  userName: string;
  accessKeyId: string;
  status: string;
  secretAccessKey?: string | undefined;
  createDate: string;
}

export async function createAccessKey(env: IamEnv, account: string, userName: string): Promise<{ accessKey: AccessKeyView }> {
  const secret = newSecretKey(env.random);
  const keyId = newId('AKIA', env.random);
  return write(env, async (t) => {
    const u = await requireUser(t, account, userName);
    const scope = userKeysScope(account, u.userName);
    if ((await t.count(K.userAccessKey, scope)) >= MAX_ACCESS_KEYS) throw iamError.limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_ACCESS_KEYS}`);
    const doc: AccessKeyDoc = { accessKeyId: keyId, account, userName: u.userName, secretSealed: env.sealer.seal(secret), status: 'Active', createDate: nowIso(env) };
    await t.put(K.accessKey, '', keyId, doc);
    await t.put(K.userAccessKey, scope, keyId, { accessKeyId: keyId });
    return { accessKey: { userName: u.userName, accessKeyId: keyId, status: 'Active', secretAccessKey: secret, createDate: doc.createDate } };
  });
}

export async function listAccessKeys(env: IamEnv, account: string, userName: string, input: { marker?: string; maxItems?: number }): Promise<{ accessKeyMetadata: AccessKeyView[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const u = await requireUser(t, account, userName);
    const keys: AccessKeyView[] = [];
    for (const { key } of await t.list(K.userAccessKey, userKeysScope(account, u.userName))) {
      const k = await t.get<AccessKeyDoc>(K.accessKey, '', key);
      if (k) keys.push({ userName: k.userName, accessKeyId: k.accessKeyId, status: k.status, createDate: k.createDate });
    }
    // Oldest first, as the keys were created.
    keys.sort((a, b) => (a.createDate < b.createDate ? -1 : a.createDate > b.createDate ? 1 : a.accessKeyId < b.accessKeyId ? -1 : 1));
    const page = paginate(keys, (k) => k.accessKeyId, input.marker, input.maxItems);
    return { accessKeyMetadata: page.items, isTruncated: page.isTruncated, marker: page.marker };
  });
}

async function requireKey(t: StoreTx, account: string, userName: string, accessKeyId: string): Promise<AccessKeyDoc> {
  const u = await requireUser(t, account, userName);
  const k = await t.get<AccessKeyDoc>(K.accessKey, '', accessKeyId);
  if (!k || k.account !== account || k.userName.toLowerCase() !== u.userName.toLowerCase()) {
    throw iamError.noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
  }
  return k;
}

export async function deleteAccessKey(env: IamEnv, account: string, userName: string, accessKeyId: string): Promise<void> {
  await write(env, async (t) => {
    const k = await requireKey(t, account, userName, accessKeyId);
    await t.delete(K.accessKey, '', k.accessKeyId);
    await t.delete(K.userAccessKey, userKeysScope(account, k.userName), k.accessKeyId);
  });
}

export async function updateAccessKey(env: IamEnv, account: string, userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void> {
  // The model's status enum is shared with other credential types and also lists Expired,
  // which an access key can only be set to by IAM itself.
  if ((status as string) !== 'Active' && (status as string) !== 'Inactive') {
    throw iamError.invalidInput(`Invalid status ${String(status)} for an access key: it can be set to Active or Inactive.`);
  }
  await write(env, async (t) => {
    const k = await requireKey(t, account, userName, accessKeyId);
    await t.put(K.accessKey, '', k.accessKeyId, { ...k, status });
  });
}

/** The stored key, for request authentication. */
export async function findAccessKey(env: IamEnv, accessKeyId: string): Promise<AccessKeyDoc | undefined> {
  return env.store.read((t) => t.get<AccessKeyDoc>(K.accessKey, '', accessKeyId));
}
