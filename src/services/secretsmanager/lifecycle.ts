import { optional } from './authorization.js';
import { smErrors } from './errors.js';
import { LIMITS, type SecretDoc, type VersionMeta } from './model.js';
import { page } from './pagination.js';
import { deleteValues, getByName, purgeSecret } from './secrets.js';
import { queryDigest, type Input, type Output, type SecretsManager, type SmCall } from './service.js';
import { moveStage, pruneDeprecated, versionsToStages } from './versions.js';

/**
 * DescribeSecret, DeleteSecret (recovery window or at once), RestoreSecret, ListSecretVersionIds
 * and UpdateSecretVersionStage. A secret scheduled for deletion can still be described and
 * restored; every other operation on it is InvalidRequestException until the window ends, when
 * the secret is purged (on the first request that finds it).
 */
const DAY_MS = 86_400_000;

/** The versions that hold labels, or undefined when none does (the field is then left out). */
export function labelledVersions(doc: SecretDoc): Record<string, string[]> | undefined {
  const stages = versionsToStages(doc.versions);
  return Object.keys(stages).length ? stages : undefined;
}

/** The fields DescribeSecret and ListSecrets share (each adds the versions under its own name). */
export function secretFields(doc: SecretDoc): Output {
  return {
    ARN: doc.arn,
    Name: doc.name,
    Type: doc.type,
    Description: doc.description,
    KmsKeyId: doc.kmsKeyId,
    LastChangedDate: new Date(doc.lastChangedAt),
    LastAccessedDate: doc.lastAccessedAt === undefined ? undefined : new Date(doc.lastAccessedAt),
    DeletedDate: doc.deletedAt === undefined ? undefined : new Date(doc.deletedAt),
    Tags: doc.tags.length ? doc.tags.map(([Key, Value]) => ({ Key, Value })) : undefined,
    CreatedDate: new Date(doc.createdAt),
  };
}

export async function describeSecret(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const { doc } = await sm.locate(call, input['SecretId'] as string, 'DescribeSecret');
  return { ...secretFields(doc), VersionIdsToStages: labelledVersions(doc) };
}

export async function deleteSecret(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const window = input['RecoveryWindowInDays'] as number | undefined;
  const force = input['ForceDeleteWithoutRecovery'] === true;
  if (window !== undefined && (window < LIMITS.recoveryWindowMinDays || window > LIMITS.recoveryWindowMaxDays)) throw smErrors.recoveryWindow();
  if (force && window !== undefined) throw smErrors.forceWithWindow();
  const context = [
    ...optional('secretsmanager:RecoveryWindowInDays', window, 'numeric'),
    ...optional('secretsmanager:ForceDeleteWithoutRecovery', input['ForceDeleteWithoutRecovery'] as boolean | undefined, 'boolean'),
  ];
  const loc = await sm.find(call, input['SecretId'] as string);
  await sm.authorize(call, loc, 'DeleteSecret', context);
  const now = sm.nowMs();
  if (!loc.doc) {
    // "If you forcibly delete an already deleted or nonexistent secret, the operation does not return ResourceNotFoundException."
    if (!force) throw smErrors.notFound();
    return { ARN: loc.resource, Name: loc.ref.kind === 'elsewhere' ? loc.ref.given : loc.ref.name, DeletionDate: new Date(now) };
  }
  const doc = loc.doc;
  if (force) {
    await sm.deps.store.tx(async (t) => {
      const cur = await getByName(t, loc.where, doc.name);
      if (cur && cur.arn === doc.arn) await purgeSecret(t, loc.where, cur);
    });
    return { ARN: doc.arn, Name: doc.name, DeletionDate: new Date(now) };
  }
  if (doc.deletedAt !== undefined) throw smErrors.alreadyMarkedDeleted();
  const purgeAt = now + (window ?? LIMITS.recoveryWindowDefaultDays) * DAY_MS;
  await sm.mutate(loc as typeof loc & { doc: SecretDoc }, (cur) => {
    if (cur.deletedAt !== undefined) throw smErrors.alreadyMarkedDeleted();
    cur.deletedAt = now;
    cur.purgeAt = purgeAt;
    cur.lastChangedAt = now;
  });
  return { ARN: doc.arn, Name: doc.name, DeletionDate: new Date(purgeAt) };
}

export async function restoreSecret(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const loc = await sm.locate(call, input['SecretId'] as string, 'RestoreSecret');
  await sm.mutate(loc, (cur) => {
    if (cur.deletedAt === undefined) return;
    cur.deletedAt = undefined;
    cur.purgeAt = undefined;
    cur.lastChangedAt = sm.nowMs();
  });
  return { ARN: loc.doc.arn, Name: loc.doc.name };
}

function versionEntry(doc: SecretDoc, v: VersionMeta): Output {
  return {
    VersionId: v.id,
    VersionStages: v.stages.length ? [...v.stages] : undefined,
    LastAccessedDate: v.lastAccessedAt === undefined ? undefined : new Date(v.lastAccessedAt),
    CreatedDate: new Date(v.createdAt),
    KmsKeyIds: [doc.kmsKeyId ?? 'DefaultEncryptionKey'],
  };
}

export async function listSecretVersionIds(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const { doc } = await sm.locate(call, input['SecretId'] as string, 'ListSecretVersionIds');
  if (doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  const includeDeprecated = input['IncludeDeprecated'] === true;
  const query = queryDigest(['ListSecretVersionIds', doc.arn, includeDeprecated]);
  const versions = doc.versions.filter((v) => includeDeprecated || v.stages.length > 0).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const next = input['NextToken'] as string | undefined;
  const after = next === undefined ? undefined : sm.tokens.read(next, query);
  const key = (v: VersionMeta) => ({ v: v.createdAt, id: v.id });
  const p = page(versions, key, after, true, (input['MaxResults'] as number | undefined) ?? 100);
  return {
    Versions: p.items.map((v) => versionEntry(doc, v)),
    NextToken: p.more && p.last ? sm.tokens.issue(query, p.last.createdAt, p.last.id) : undefined,
    ARN: doc.arn,
    Name: doc.name,
  };
}

export async function updateSecretVersionStage(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const stage = input['VersionStage'] as string;
  const loc = await sm.locate(call, input['SecretId'] as string, 'UpdateSecretVersionStage', optional('secretsmanager:VersionStage', stage));
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  await sm.mutate(loc, async (cur, t) => {
    moveStage(cur.versions, stage, input['RemoveFromVersionId'] as string | undefined, input['MoveToVersionId'] as string | undefined);
    await deleteValues(t, cur, pruneDeprecated(cur.versions, sm.nowMs()));
    cur.lastChangedAt = sm.nowMs();
  });
  return { ARN: loc.doc.arn, Name: loc.doc.name };
}
