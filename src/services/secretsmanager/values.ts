import { AwsError } from '../../aws/error.js';
import type { StoreTx } from '../../store/store.js';
import { optional, requestTagContext, requireAllowed, type ContextEntry } from './authorization.js';
import { smErrors } from './errors.js';
import { newSuffix, newUid, secretArn, NAME_PATTERN } from './ids.js';
import { AWSCURRENT, LIMITS, type SecretDoc, type SecretValue, type VersionMeta } from './model.js';
import { dayOf, deleteValues, getByName, isExpired, purgeSecret, readValue, sameValue, saveSecret, writeValue } from './secrets.js';
import type { Input, Located, Output, SecretsManager, SmCall } from './service.js';
import { attachNewVersion, holderOf, pruneDeprecated } from './versions.js';

/**
 * The operations that carry secret values: CreateSecret, PutSecretValue, UpdateSecret,
 * GetSecretValue. A new version's id is the request's ClientRequestToken (the SDKs send a UUID);
 * repeating a request with the same token and the same value is a no-op that answers as the
 * first did, and the same token with another value is ResourceExistsException (PutSecretValue,
 * CreateSecret; UpdateSecret refuses any token already in use).
 */
export function valueOf(input: Input): SecretValue | undefined {
  const s = input['SecretString'];
  const b = input['SecretBinary'];
  if (s !== undefined && b !== undefined) throw smErrors.bothValues();
  if (typeof s === 'string') return { kind: 'string', text: s };
  if (b instanceof Uint8Array) return { kind: 'binary', bytes: Buffer.from(b) };
  return undefined;
}

/** Tags of a request, checked against the tagging rules (keys case-sensitive; `aws:` reserved). */
export function tagsOf(input: Input): [string, string][] {
  const list = (input['Tags'] as { Key?: string; Value?: string }[] | undefined) ?? [];
  const out: [string, string][] = [];
  for (const t of list) {
    if (t.Key === undefined) throw smErrors.invalidParameter('You must specify a Key for each tag.');
    if (t.Key.toLowerCase().startsWith('aws:')) throw smErrors.invalidParameter('Tag keys beginning with "aws:" are reserved for AWS use.');
    const value = t.Value ?? '';
    const i = out.findIndex(([k]) => k === t.Key);
    if (i >= 0) out[i] = [t.Key, value];
    else out.push([t.Key, value]);
  }
  return out;
}

export function checkTagCount(tags: readonly unknown[]): void {
  if (tags.length > LIMITS.tagsPerSecret) throw smErrors.invalidParameter(`A secret can have at most ${LIMITS.tagsPerSecret} tags.`);
}

function token(input: Input): string {
  const t = input['ClientRequestToken'];
  if (typeof t !== 'string') throw smErrors.needToken();
  return t;
}

function valueOutput(doc: SecretDoc, v: VersionMeta, value: SecretValue): Output {
  return {
    ARN: doc.arn,
    Name: doc.name,
    VersionId: v.id,
    ...(value.kind === 'string' ? { SecretString: value.text } : { SecretBinary: value.bytes }),
    VersionStages: [...v.stages],
    CreatedDate: new Date(v.createdAt),
  };
}

/** Adds a version (value sealed, labels moved, old deprecated versions pruned). */
async function addVersion(sm: SecretsManager, t: StoreTx, doc: SecretDoc, id: string, value: SecretValue, stages: string[]): Promise<VersionMeta> {
  const now = sm.nowMs();
  const v: VersionMeta = { id, stages: [...new Set(stages)], createdAt: now };
  attachNewVersion(doc.versions, v);
  await writeValue(t, doc, id, sm.values.seal(doc, id, value));
  await deleteValues(t, doc, pruneDeprecated(doc.versions, now));
  doc.lastChangedAt = now;
  return v;
}

/** The value of an existing version with this id equals `value` (idempotent retry), or the token is taken. */
async function retried(sm: SecretsManager, t: StoreTx, doc: SecretDoc, id: string, value: SecretValue | undefined): Promise<VersionMeta | undefined> {
  const v = doc.versions.find((x) => x.id === id);
  if (!v) return undefined;
  const stored = await readValue(t, doc, id);
  if (value && stored && sameValue(sm.values.open(doc, id, stored), value)) return v;
  throw smErrors.tokenInUse(id, doc.arn);
}

export async function createSecret(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const name = input['Name'] as string;
  if (!NAME_PATTERN.test(name)) throw smErrors.invalidName();
  if (input['AddReplicaRegions'] !== undefined) throw smErrors.invalidRequest('irsa-local does not replicate secrets to other Regions.');
  const value = valueOf(input);
  const id = token(input);
  const tags = tagsOf(input);
  checkTagCount(tags);
  const where = sm.where(call);
  const existing = await sm.deps.store.read((t) => getByName(t, where, name));
  const live = existing && !isExpired(existing, sm.nowMs()) ? existing : undefined;
  const arn = live?.arn ?? secretArn(where, name, newSuffix(sm.deps.random));
  const context: ContextEntry[] = [
    { key: 'secretsmanager:Name', values: [name] },
    ...optional('secretsmanager:Description', input['Description'] as string | undefined),
    ...optional('secretsmanager:KmsKeyId', input['KmsKeyId'] as string | undefined),
    ...optional('secretsmanager:Type', input['Type'] as string | undefined),
    ...requestTagContext(tags),
  ];
  await requireAllowed(call.authorize, { action: 'secretsmanager:CreateSecret', resource: arn, shownResource: name, context });
  // "If you include tags in the secret, you also need secretsmanager:TagResource."
  if (tags.length) await requireAllowed(call.authorize, { action: 'secretsmanager:TagResource', resource: arn, shownResource: name, context: requestTagContext(tags) });

  return sm.deps.store.tx(async (t) => {
    const cur = await getByName(t, where, name);
    if (cur && isExpired(cur, sm.nowMs())) await purgeSecret(t, where, cur);
    else if (cur) {
      if (cur.deletedAt !== undefined) throw smErrors.nameScheduledForDeletion();
      const again = await retried(sm, t, cur, id, value);
      if (!again) throw smErrors.exists(name);
      return { ARN: cur.arn, Name: cur.name, VersionId: again.id };
    }
    const now = sm.nowMs();
    const doc: SecretDoc = {
      name,
      arn,
      uid: newUid(sm.deps.random),
      description: input['Description'] as string | undefined,
      kmsKeyId: input['KmsKeyId'] as string | undefined,
      type: input['Type'] as string | undefined,
      createdAt: now,
      lastChangedAt: now,
      tags,
      versions: [],
    };
    if (value) await addVersion(sm, t, doc, id, value, [AWSCURRENT]);
    await saveSecret(t, where, doc);
    return { ARN: doc.arn, Name: doc.name, ...(value ? { VersionId: id } : {}) };
  });
}

export async function putSecretValue(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const value = valueOf(input);
  const id = token(input);
  if (!value) throw smErrors.needValue();
  const loc = await sm.locate(call, input['SecretId'] as string, 'PutSecretValue');
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  return sm.mutate(loc, async (doc, t) => {
    const again = await retried(sm, t, doc, id, value);
    if (again) return { ARN: doc.arn, Name: doc.name, VersionId: again.id, VersionStages: [...again.stages] };
    const stages = (input['VersionStages'] as string[] | undefined) ?? [AWSCURRENT];
    // "If this operation creates the first version for the secret, then Secrets Manager automatically attaches the staging label AWSCURRENT to it."
    if (!doc.versions.length && !stages.includes(AWSCURRENT)) stages.push(AWSCURRENT);
    const v = await addVersion(sm, t, doc, id, value, stages);
    return { ARN: doc.arn, Name: doc.name, VersionId: v.id, VersionStages: [...v.stages] };
  });
}

export async function updateSecret(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const value = valueOf(input);
  const id = token(input);
  const description = input['Description'] as string | undefined;
  const kmsKeyId = input['KmsKeyId'] as string | undefined;
  const context = [
    ...optional('secretsmanager:Description', description),
    ...optional('secretsmanager:KmsKeyId', kmsKeyId),
    ...optional('secretsmanager:Type', input['Type'] as string | undefined),
  ];
  const loc = await sm.locate(call, input['SecretId'] as string, 'UpdateSecret', context);
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  return sm.mutate(loc, async (doc, t) => {
    if (description !== undefined) doc.description = description;
    if (kmsKeyId !== undefined) doc.kmsKeyId = kmsKeyId;
    if (input['Type'] !== undefined) doc.type = input['Type'] as string;
    doc.lastChangedAt = sm.nowMs();
    if (!value) return { ARN: doc.arn, Name: doc.name };
    // "If you call this operation with a ClientRequestToken that matches an existing version's VersionId, the operation results in an error."
    if (doc.versions.some((v) => v.id === id)) throw smErrors.tokenInUse(id, doc.arn);
    await addVersion(sm, t, doc, id, value, [AWSCURRENT]);
    return { ARN: doc.arn, Name: doc.name, VersionId: id };
  });
}

/** The version GetSecretValue reads: by id (checked against the stage when both are given), else by stage. */
export function pickVersion(doc: SecretDoc, versionId: string | undefined, stage: string | undefined): VersionMeta {
  if (versionId !== undefined) {
    const v = doc.versions.find((x) => x.id === versionId);
    if (!v) throw smErrors.noValueForVersion(versionId);
    if (stage !== undefined && !v.stages.includes(stage)) throw smErrors.stageNotOnVersion();
    return v;
  }
  const label = stage ?? AWSCURRENT;
  const v = holderOf(doc.versions, label);
  if (!v) throw smErrors.noValueForStage(label);
  return v;
}

/** Reads the value of an authorized, located secret and records the access (the day only). */
export async function readSecretValue(sm: SecretsManager, loc: Located & { doc: SecretDoc }, versionId: string | undefined, stage: string | undefined): Promise<Output> {
  const doc = loc.doc;
  if (doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  const v = pickVersion(doc, versionId, stage);
  const stored = await sm.deps.store.read((t) => readValue(t, doc, v.id));
  if (!stored) throw versionId !== undefined ? smErrors.noValueForVersion(versionId) : smErrors.noValueForStage(stage ?? AWSCURRENT);
  const out = valueOutput(doc, v, sm.values.open(doc, v.id, stored));
  const today = dayOf(sm.nowMs());
  if (doc.lastAccessedAt !== today || v.lastAccessedAt !== today) {
    await sm
      .mutate(loc, (cur) => {
        cur.lastAccessedAt = today;
        const cv = cur.versions.find((x) => x.id === v.id);
        if (cv) cv.lastAccessedAt = today;
      })
      .catch((e: unknown) => {
        // The read succeeded; a secret deleted meanwhile only loses its access date.
        if (!(e instanceof AwsError)) throw e;
      });
  }
  return out;
}

export async function getSecretValue(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const versionId = input['VersionId'] as string | undefined;
  const stage = input['VersionStage'] as string | undefined;
  const context = [...optional('secretsmanager:VersionId', versionId), ...optional('secretsmanager:VersionStage', stage)];
  const loc = await sm.locate(call, input['SecretId'] as string, 'GetSecretValue', context);
  return readSecretValue(sm, loc, versionId, stage);
}
