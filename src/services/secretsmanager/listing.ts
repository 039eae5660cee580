import { AwsError } from '../../aws/error.js';
import { requireAllowed } from './authorization.js';
import { smErrors } from './errors.js';
import { compareSecrets, matchesFilters, sortValue, type Filter, type SortBy } from './filters.js';
import type { Where } from './ids.js';
import type { SecretDoc } from './model.js';
import { page } from './pagination.js';
import { isExpired, listSecrets as listDocs } from './secrets.js';
import { queryDigest, type Input, type Output, type SecretsManager, type SmCall } from './service.js';
import { labelledVersions, secretFields } from './lifecycle.js';
import { readSecretValue } from './values.js';

/**
 * ListSecrets and BatchGetSecretValue. Both need permission without a resource
 * (`secretsmanager:ListSecrets`, `secretsmanager:BatchGetSecretValue` on `*`); BatchGetSecretValue
 * then checks `secretsmanager:GetSecretValue` on every secret and reports the ones it may not read
 * (or cannot find) in Errors rather than failing the call.
 */
function filtersOf(input: Input): Filter[] {
  const raw = (input['Filters'] as { Key?: string; Values?: string[] }[] | undefined) ?? [];
  return raw.map((f) => {
    if (f.Key === undefined || f.Values === undefined) throw smErrors.invalidParameter('Each filter must have a Key and Values.');
    return { key: f.Key, values: f.Values };
  });
}

interface Query {
  readonly filters: Filter[];
  readonly by: SortBy;
  readonly desc: boolean;
  readonly includePlanned: boolean;
}

/** The secrets a query selects, sorted; secrets whose recovery window has passed are purged on the way. */
async function select(sm: SecretsManager, where: Where, q: Query): Promise<SecretDoc[]> {
  const now = sm.nowMs();
  const all = await sm.deps.store.read((t) => listDocs(t, where));
  for (const doc of all) if (isExpired(doc, now)) await sm.purgeExpired(where, doc);
  return all
    .filter((d) => !isExpired(d, now) && (q.includePlanned || d.deletedAt === undefined) && matchesFilters(d, q.filters))
    .sort((a, b) => compareSecrets(a, b, q.by, q.desc));
}

function pageOf(sm: SecretsManager, docs: SecretDoc[], q: Query, next: string | undefined, max: number, name: string): { items: SecretDoc[]; token: string | undefined } {
  const digest = queryDigest([name, q]);
  const after = next === undefined ? undefined : sm.tokens.read(next, digest);
  const p = page(docs, (d) => ({ v: sortValue(d, q.by), id: d.arn }), after, q.desc, max);
  return { items: p.items, token: p.more && p.last ? sm.tokens.issue(digest, sortValue(p.last, q.by), p.last.arn) : undefined };
}

export async function listSecrets(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  await requireAllowed(call.authorize, { action: 'secretsmanager:ListSecrets', resource: '*', context: [] });
  const q: Query = {
    filters: filtersOf(input),
    by: (input['SortBy'] as SortBy | undefined) ?? 'created-date',
    desc: input['SortOrder'] === 'desc',
    includePlanned: input['IncludePlannedDeletion'] === true,
  };
  const docs = await select(sm, sm.where(call), q);
  const p = pageOf(sm, docs, q, input['NextToken'] as string | undefined, (input['MaxResults'] as number | undefined) ?? 100, 'ListSecrets');
  return {
    SecretList: p.items.map((d) => ({ ...secretFields(d), SecretVersionsToStages: labelledVersions(d) })),
    NextToken: p.token,
  };
}

export async function batchGetSecretValue(sm: SecretsManager, input: Input, call: SmCall): Promise<Output> {
  const ids = input['SecretIdList'] as string[] | undefined;
  const hasFilters = input['Filters'] !== undefined;
  if ((ids === undefined) === !hasFilters) throw smErrors.invalidParameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  if (input['MaxResults'] !== undefined && !hasFilters) {
    throw smErrors.invalidParameter("'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.");
  }
  await requireAllowed(call.authorize, { action: 'secretsmanager:BatchGetSecretValue', resource: '*', context: [] });
  let wanted: string[];
  let token: string | undefined;
  if (ids) wanted = ids;
  else {
    // "If you use filters, you must also have secretsmanager:ListSecrets."
    await requireAllowed(call.authorize, { action: 'secretsmanager:ListSecrets', resource: '*', context: [] });
    const q: Query = { filters: filtersOf(input), by: 'created-date', desc: false, includePlanned: false };
    const docs = await select(sm, sm.where(call), q);
    const p = pageOf(sm, docs, q, input['NextToken'] as string | undefined, (input['MaxResults'] as number | undefined) ?? 20, 'BatchGetSecretValue');
    wanted = p.items.map((d) => d.arn);
    token = p.token;
  }
  const values: Output[] = [];
  const errors: Output[] = [];
  for (const id of wanted) {
    try {
      const loc = await sm.locate(call, id, 'GetSecretValue');
      values.push(await readSecretValue(sm, loc, undefined, undefined));
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      errors.push({ SecretId: id, ErrorCode: e.code, Message: e.message });
    }
  }
  return { SecretValues: values, Errors: errors, NextToken: token };
}
