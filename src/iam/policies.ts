import type { StoreTx } from '../store/store.js';
import { checkDocument, id, mergeTags, paginate, removeTags, tagsFrom } from './common.js';
import { nowIso, write, type IamEnv } from './env.js';
import { iamError, invalidArn, policyNotFound, versionNotFound } from './errors.js';
import { K, policyScope, type AttachedEntityDoc, type PolicyDoc, type PolicyVersionDoc, type Tag } from './model.js';

/**
 * Customer managed policies and their versions
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html):
 * version ids `v1`, `v2`, … are never reused, at most five versions exist, the default version
 * cannot be deleted, and a policy is deleted only once detached and down to its default version.
 */
export const MAX_VERSIONS = 5;
/** IAM's default quota of customer managed policies per account ("PoliciesPerAccount"). */
export const MAX_POLICIES = 1500;

export interface PolicyRef {
  readonly account: string;
  readonly path: string;
  readonly name: string;
  readonly arn: string;
}

/** Parses `arn:aws:iam::ACCOUNT:policy/path/name` (ACCOUNT may be `aws` for AWS managed policies). */
export function parsePolicyArn(arn: string): PolicyRef {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy(\/(?:[^/]+\/)*)([\w+=,.@-]+)$/.exec(arn);
  if (!m) throw invalidArn();
  return { account: m[1] as string, path: m[2] as string, name: m[3] as string, arn };
}

export function policyArn(env: IamEnv, account: string, path: string, name: string): string {
  return `arn:${env.partition}:iam::${account}:policy${path}${name}`;
}

/** The policy an ARN names, or undefined (the path must match as well as the name). */
export async function findPolicy(t: StoreTx, arn: string): Promise<PolicyDoc | undefined> {
  const ref = parsePolicyArn(arn);
  const doc = await t.get<PolicyDoc>(K.policy, ref.account, ref.name);
  return doc && doc.arn === arn ? doc : undefined;
}

async function requirePolicy(t: StoreTx, arn: string): Promise<PolicyDoc> {
  const doc = await findPolicy(t, arn);
  if (!doc) throw policyNotFound(arn);
  return doc;
}

function assertCustomerManaged(ref: PolicyRef): void {
  if (ref.account === 'aws') throw iamError.invalidInput(`Policy ${ref.arn} is an AWS managed policy and cannot be modified.`);
}

export interface PolicyView {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  defaultVersionId: string;
  attachmentCount: number;
  permissionsBoundaryUsageCount: number;
  isAttachable: boolean;
  description?: string | undefined;
  createDate: string;
  updateDate: string;
  tags?: Tag[] | undefined;
}

async function view(t: StoreTx, p: PolicyDoc, withTags: boolean): Promise<PolicyView> {
  const entities = await t.list<AttachedEntityDoc>(K.attachedTo, policyScope(p.arn));
  return {
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
    // Like GetRole and GetUser, GetPolicy leaves Tags out when there are none.
    tags: withTags && p.tags.length ? p.tags : undefined,
  };
}

export async function createPolicy(
  env: IamEnv,
  account: string,
  input: { policyName: string; path?: string; policyDocument: string; description?: string; tags?: { key?: unknown; value?: unknown }[] },
): Promise<{ policy: PolicyView }> {
  checkDocument(input.policyDocument, 'identity');
  const tags = tagsFrom(input.tags);
  const path = input.path ?? '/';
  const now = nowIso(env);
  const doc: PolicyDoc = {
    policyName: input.policyName,
    policyId: id(env, 'ANPA'),
    path,
    arn: policyArn(env, account, path, input.policyName),
    description: input.description,
    defaultVersionId: 'v1',
    nextVersion: 2,
    createDate: now,
    updateDate: now,
    tags,
  };
  return write(env, async (t) => {
    const duplicate = () => iamError.entityAlreadyExists(`A policy called ${input.policyName} already exists. Duplicate names are not allowed.`);
    if (await t.get(K.policy, account, doc.policyName)) throw duplicate();
    if ((await t.count(K.policy, account)) >= MAX_POLICIES) throw iamError.limitExceeded(`Cannot exceed quota for PoliciesPerAccount: ${MAX_POLICIES}`);
    if (!(await t.insert(K.policy, account, doc.policyName, doc))) throw duplicate();
    await t.put(K.policyVersion, policyScope(doc.arn), 'v1', { versionId: 'v1', document: input.policyDocument, createDate: now } satisfies PolicyVersionDoc);
    return { policy: await view(t, doc, true) };
  });
}

export async function getPolicy(env: IamEnv, input: { policyArn: string }): Promise<{ policy: PolicyView }> {
  return env.store.read(async (t) => ({ policy: await view(t, await requirePolicy(t, input.policyArn), true) }));
}

export async function listPolicies(
  env: IamEnv,
  account: string,
  input: { scope?: string; onlyAttached?: boolean; pathPrefix?: string; policyUsageFilter?: string; marker?: string; maxItems?: number },
): Promise<{ policies: PolicyView[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const scope = input.scope ?? 'All';
    const accounts = scope === 'AWS' ? ['aws'] : scope === 'Local' ? [account] : ['aws', account];
    const all: PolicyView[] = [];
    for (const a of accounts) {
      for (const { doc } of await t.list<PolicyDoc>(K.policy, a)) {
        if (input.pathPrefix && !doc.path.startsWith(input.pathPrefix)) continue;
        const v = await view(t, doc, false);
        if (input.onlyAttached && v.attachmentCount + v.permissionsBoundaryUsageCount === 0) continue;
        if (input.policyUsageFilter === 'PermissionsPolicy' && v.attachmentCount === 0 && input.onlyAttached) continue;
        if (input.policyUsageFilter === 'PermissionsBoundary' && v.permissionsBoundaryUsageCount === 0 && input.onlyAttached) continue;
        all.push({ ...v, tags: undefined });
      }
    }
    const page = paginate(all, (p) => p.arn, input.marker, input.maxItems);
    return { policies: page.items, isTruncated: page.isTruncated, marker: page.marker };
  });
}

export async function deletePolicy(env: IamEnv, input: { policyArn: string }): Promise<void> {
  assertCustomerManaged(parsePolicyArn(input.policyArn));
  await write(env, async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    const scope = policyScope(p.arn);
    if ((await t.count(K.attachedTo, scope)) > 0) throw iamError.deleteConflict('Cannot delete a policy attached to entities.');
    if ((await t.count(K.policyVersion, scope)) > 1) {
      throw iamError.deleteConflict(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    }
    await t.deleteScope(K.policyVersion, scope);
    await t.delete(K.policy, parsePolicyArn(p.arn).account, p.policyName);
  });
}

export interface VersionView {
  document?: string | undefined;
  versionId: string;
  isDefaultVersion: boolean;
  createDate: string;
}

export async function createPolicyVersion(env: IamEnv, input: { policyArn: string; policyDocument: string; setAsDefault?: boolean }): Promise<{ policyVersion: VersionView }> {
  assertCustomerManaged(parsePolicyArn(input.policyArn));
  checkDocument(input.policyDocument, 'identity');
  return write(env, async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    const scope = policyScope(p.arn);
    if ((await t.count(K.policyVersion, scope)) >= MAX_VERSIONS) {
      throw iamError.limitExceeded('A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
    }
    const versionId = `v${p.nextVersion}`;
    const now = nowIso(env);
    await t.put(K.policyVersion, scope, versionId, { versionId, document: input.policyDocument, createDate: now } satisfies PolicyVersionDoc);
    const updated: PolicyDoc = { ...p, nextVersion: p.nextVersion + 1, updateDate: now, defaultVersionId: input.setAsDefault ? versionId : p.defaultVersionId };
    await t.put(K.policy, parsePolicyArn(p.arn).account, p.policyName, updated);
    return { policyVersion: { versionId, isDefaultVersion: updated.defaultVersionId === versionId, createDate: now } };
  });
}

export async function getPolicyVersion(env: IamEnv, input: { policyArn: string; versionId: string }): Promise<{ policyVersion: VersionView }> {
  return env.store.read(async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    const v = await t.get<PolicyVersionDoc>(K.policyVersion, policyScope(p.arn), input.versionId);
    if (!v || v.versionId !== input.versionId) throw versionNotFound(input.policyArn, input.versionId);
    return { policyVersion: { document: v.document, versionId: v.versionId, isDefaultVersion: p.defaultVersionId === v.versionId, createDate: v.createDate } };
  });
}

export async function listPolicyVersions(env: IamEnv, input: { policyArn: string; marker?: string; maxItems?: number }): Promise<{ versions: VersionView[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    const versions = (await t.list<PolicyVersionDoc>(K.policyVersion, policyScope(p.arn))).map(({ doc }) => doc);
    // Newest first, as IAM lists them.
    versions.sort((a, b) => Number(b.versionId.slice(1)) - Number(a.versionId.slice(1)));
    const page = paginate(versions, (v) => v.versionId.padStart(12, '0'), input.marker, input.maxItems);
    return {
      versions: page.items.map((v) => ({ versionId: v.versionId, isDefaultVersion: v.versionId === p.defaultVersionId, createDate: v.createDate })),
      isTruncated: page.isTruncated,
      marker: page.marker,
    };
  });
}

export async function deletePolicyVersion(env: IamEnv, input: { policyArn: string; versionId: string }): Promise<void> {
  assertCustomerManaged(parsePolicyArn(input.policyArn));
  await write(env, async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    if (p.defaultVersionId === input.versionId) throw iamError.deleteConflict('Cannot delete the default version of a policy.');
    if (!(await t.delete(K.policyVersion, policyScope(p.arn), input.versionId))) throw versionNotFound(input.policyArn, input.versionId);
    await t.put(K.policy, parsePolicyArn(p.arn).account, p.policyName, { ...p, updateDate: nowIso(env) });
  });
}

export async function setDefaultPolicyVersion(env: IamEnv, input: { policyArn: string; versionId: string }): Promise<void> {
  assertCustomerManaged(parsePolicyArn(input.policyArn));
  await write(env, async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    const v = await t.get<PolicyVersionDoc>(K.policyVersion, policyScope(p.arn), input.versionId);
    if (!v || v.versionId !== input.versionId) throw versionNotFound(input.policyArn, input.versionId);
    await t.put(K.policy, parsePolicyArn(p.arn).account, p.policyName, { ...p, defaultVersionId: input.versionId, updateDate: nowIso(env) });
  });
}

export async function tagPolicy(env: IamEnv, input: { policyArn: string; tags: { key?: unknown; value?: unknown }[] }): Promise<void> {
  assertCustomerManaged(parsePolicyArn(input.policyArn));
  const added = tagsFrom(input.tags);
  await write(env, async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    await t.put(K.policy, parsePolicyArn(p.arn).account, p.policyName, { ...p, tags: mergeTags(p.tags, added) });
  });
}

export async function untagPolicy(env: IamEnv, input: { policyArn: string; tagKeys: string[] }): Promise<void> {
  assertCustomerManaged(parsePolicyArn(input.policyArn));
  await write(env, async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    await t.put(K.policy, parsePolicyArn(p.arn).account, p.policyName, { ...p, tags: removeTags(p.tags, input.tagKeys) });
  });
}

export async function listPolicyTags(env: IamEnv, input: { policyArn: string; marker?: string; maxItems?: number }): Promise<{ tags: Tag[]; isTruncated: boolean; marker?: string | undefined }> {
  return env.store.read(async (t) => {
    const p = await requirePolicy(t, input.policyArn);
    const page = paginate(p.tags, (x) => x.key, input.marker, input.maxItems);
    return { tags: page.items, isTruncated: page.isTruncated, marker: page.marker };
  });
}

/** The default version's document of a managed policy (for attachment and evaluation). */
export async function defaultDocument(t: StoreTx, arn: string): Promise<{ policy: PolicyDoc; version: PolicyVersionDoc } | undefined> {
  const p = await findPolicy(t, arn);
  if (!p) return undefined;
  const v = await t.get<PolicyVersionDoc>(K.policyVersion, policyScope(p.arn), p.defaultVersionId);
  return v ? { policy: p, version: v } : undefined;
}
