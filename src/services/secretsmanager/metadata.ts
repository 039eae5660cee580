import { grantsPublicAccess, optional, requestTagContext } from './authorization.js';
import { smErrors } from './errors.js';
import type { Input, Output, SecretsManager, SmCall } from './service.js';
import { checkTagCount, tagsOf } from './values.js';

/**
 * Tags and resource policies. Tags are case-sensitive keys with values; TagResource adds or
 * replaces, UntagResource removes the named keys and ignores unknown ones. A resource policy is
 * validated as IAM validates resource-based policies, stored as submitted, and evaluated with the
 * caller's policies on every later request (same account: it can grant on its own).
 */
export async function tagResource(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const tags = tagsOf(input);
  const loc = await sm.locate(call, input['SecretId'] as string, 'TagResource', requestTagContext(tags));
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  await sm.mutate(loc, (cur) => {
    const merged = new Map(cur.tags);
    for (const [k, v] of tags) merged.set(k, v);
    checkTagCount([...merged.keys()]);
    cur.tags = [...merged];
    cur.lastChangedAt = sm.nowMs();
  });
  return {};
}

export async function untagResource(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const keys = input['TagKeys'] as string[];
  const context = keys.length ? [{ key: 'aws:TagKeys', values: keys, type: 'stringList' as const }] : [];
  const loc = await sm.locate(call, input['SecretId'] as string, 'UntagResource', context);
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  await sm.mutate(loc, (cur) => {
    const drop = new Set(keys);
    cur.tags = cur.tags.filter(([k]) => !drop.has(k));
    cur.lastChangedAt = sm.nowMs();
  });
  return {};
}

export async function putResourcePolicy(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const text = input['ResourcePolicy'] as string;
  const block = input['BlockPublicPolicy'] as boolean | undefined;
  const loc = await sm.locate(call, input['SecretId'] as string, 'PutResourcePolicy', optional('secretsmanager:BlockPublicPolicy', block, 'boolean'));
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  const doc = sm.policies.validate(text);
  if (block === true && grantsPublicAccess(doc)) throw smErrors.publicPolicy();
  await sm.mutate(loc, (cur) => {
    cur.policy = text;
    cur.lastChangedAt = sm.nowMs();
  });
  return { ARN: loc.doc.arn, Name: loc.doc.name };
}

export async function getResourcePolicy(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const { doc } = await sm.locate(call, input['SecretId'] as string, 'GetResourcePolicy');
  if (doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  return { ARN: doc.arn, Name: doc.name, ResourcePolicy: doc.policy };
}

export async function deleteResourcePolicy(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const loc = await sm.locate(call, input['SecretId'] as string, 'DeleteResourcePolicy');
  if (loc.doc.deletedAt !== undefined) throw smErrors.markedForDeletion();
  await sm.mutate(loc, (cur) => {
    cur.policy = undefined;
    cur.lastChangedAt = sm.nowMs();
  });
  return { ARN: loc.doc.arn, Name: loc.doc.name };
}
