import { mergeTags, paginate, removeTags, tagsFrom } from './common.js';
import { nowIso, write, type IamEnv } from './env.js';
import { iamError } from './errors.js';
import { K, type OidcProviderDoc, type Tag } from './model.js';

/**
 * IAM OIDC identity providers
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html):
 * keyed by the issuer URL without its scheme (`host[:port]/path`, kept as given — IAM does not
 * normalize it), at most 100 client ids and five thumbprints. A port is accepted and kept in the
 * provider id, as loopback issuers need.
 */
export const MAX_CLIENT_IDS = 100;
export const MAX_THUMBPRINTS = 5;
/** IAM's default quota of OIDC providers per account ("OpenIdConnectProvidersPerAccount"). */
export const MAX_PROVIDERS = 100;

/** `https://host[:port][/path]` → `host[:port][/path]`; anything else is not an OIDC provider URL. */
export function providerKey(url: string): string {
  const invalid = iamError.validation('Invalid Open ID Connect Provider URL');
  if (!url.startsWith('https://')) throw invalid;
  const rest = url.slice('https://'.length);
  if (!rest || rest.startsWith('/') || /[?#\s]/.test(rest)) throw invalid;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid;
  }
  if (!parsed.hostname) throw invalid;
  return rest;
}

export function providerArn(env: IamEnv, account: string, key: string): string {
  return `arn:${env.partition}:iam::${account}:oidc-provider/${key}`;
}

function keyFromArn(account: string, arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):oidc-provider\/(.+)$/.exec(arn);
  return m && m[1] === account ? m[2] : undefined;
}

function checkLists(clientIds: readonly string[], thumbprints: readonly string[]): void {
  if (thumbprints.length > MAX_THUMBPRINTS) throw iamError.invalidInput('Thumbprint list must contain fewer than 5 entries.');
  if (new Set(clientIds).size > MAX_CLIENT_IDS) throw iamError.limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);
}

export async function createOpenIDConnectProvider(
  env: IamEnv,
  account: string,
  input: { url: string; clientIDList?: string[]; thumbprintList?: string[]; tags?: { key?: unknown; value?: unknown }[] },
): Promise<{ openIDConnectProviderArn: string; tags?: Tag[] | undefined }> {
  const key = providerKey(input.url);
  const clientIds = [...new Set(input.clientIDList ?? [])];
  const thumbprints = [...new Set((input.thumbprintList ?? []).map((t) => t.toLowerCase()))];
  checkLists(clientIds, thumbprints);
  const tags = tagsFrom(input.tags);
  const doc: OidcProviderDoc = { arn: providerArn(env, account, key), url: key, clientIDList: clientIds, thumbprintList: thumbprints, tags, createDate: nowIso(env) };
  return write(env, async (t) => {
    if (await t.get(K.oidc, account, key)) throw iamError.entityAlreadyExists(`Provider with url ${input.url} already exists.`);
    if ((await t.count(K.oidc, account)) >= MAX_PROVIDERS) throw iamError.limitExceeded(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${MAX_PROVIDERS}`);
    if (!(await t.insert(K.oidc, account, key, doc))) throw iamError.entityAlreadyExists(`Provider with url ${input.url} already exists.`);
    return { openIDConnectProviderArn: doc.arn, tags: tags.length ? tags : undefined };
  });
}

async function requireProvider(env: IamEnv, account: string, arn: string, missing: (arn: string) => Error): Promise<OidcProviderDoc> {
  const key = keyFromArn(account, arn);
  const doc = key === undefined ? undefined : await env.store.read((t) => t.get<OidcProviderDoc>(K.oidc, account, key));
  if (!doc || doc.arn !== arn) throw missing(arn);
  return doc;
}

const notFound = (arn: string) => iamError.noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);

export async function getOpenIDConnectProvider(
  env: IamEnv,
  account: string,
  input: { openIDConnectProviderArn: string },
): Promise<{ url: string; clientIDList: string[]; thumbprintList: string[]; createDate: string; tags: Tag[] }> {
  const p = await requireProvider(env, account, input.openIDConnectProviderArn, notFound);
  return { url: p.url, clientIDList: p.clientIDList, thumbprintList: p.thumbprintList, createDate: p.createDate, tags: p.tags };
}

export async function listOpenIDConnectProviders(env: IamEnv, account: string): Promise<{ openIDConnectProviderList: { arn: string }[] }> {
  const list = await env.store.read((t) => t.list<OidcProviderDoc>(K.oidc, account));
  return { openIDConnectProviderList: list.map(({ doc }) => ({ arn: doc.arn })) };
}

/** The provider registered for an issuer URL (`iss`), for STS. */
export async function findProviderByIssuer(env: IamEnv, account: string, issuer: string): Promise<OidcProviderDoc | undefined> {
  if (!issuer.startsWith('https://')) return undefined;
  const key = issuer.slice('https://'.length);
  const doc = await env.store.read((t) => t.get<OidcProviderDoc>(K.oidc, account, key));
  // IAM matches the URL exactly (case and trailing slash included).
  return doc && doc.url === key ? doc : undefined;
}

export async function deleteOpenIDConnectProvider(env: IamEnv, account: string, input: { openIDConnectProviderArn: string }): Promise<void> {
  const missing = (arn: string) => iamError.noSuchEntity(`OpenId connect Provider ${arn} cannot be found.`);
  const p = await requireProvider(env, account, input.openIDConnectProviderArn, missing);
  await write(env, async (t) => {
    if (!(await t.delete(K.oidc, account, p.url))) throw missing(p.arn);
  });
}

async function update(env: IamEnv, account: string, arn: string, change: (p: OidcProviderDoc) => OidcProviderDoc): Promise<void> {
  await write(env, async (t) => {
    const key = keyFromArn(account, arn);
    const p = key === undefined ? undefined : await t.get<OidcProviderDoc>(K.oidc, account, key);
    if (!p || p.arn !== arn) throw notFound(arn);
    const next = change(p);
    checkLists(next.clientIDList, next.thumbprintList);
    await t.put(K.oidc, account, p.url, next);
  });
}

export async function addClientIDToOpenIDConnectProvider(env: IamEnv, account: string, input: { openIDConnectProviderArn: string; clientID: string }): Promise<void> {
  await update(env, account, input.openIDConnectProviderArn, (p) => (p.clientIDList.includes(input.clientID) ? p : { ...p, clientIDList: [...p.clientIDList, input.clientID] }));
}

export async function removeClientIDFromOpenIDConnectProvider(env: IamEnv, account: string, input: { openIDConnectProviderArn: string; clientID: string }): Promise<void> {
  await update(env, account, input.openIDConnectProviderArn, (p) => ({ ...p, clientIDList: p.clientIDList.filter((c) => c !== input.clientID) }));
}

export async function updateOpenIDConnectProviderThumbprint(env: IamEnv, account: string, input: { openIDConnectProviderArn: string; thumbprintList: string[] }): Promise<void> {
  const thumbprints = [...new Set(input.thumbprintList.map((t) => t.toLowerCase()))];
  await update(env, account, input.openIDConnectProviderArn, (p) => ({ ...p, thumbprintList: thumbprints }));
}

export async function tagOpenIDConnectProvider(env: IamEnv, account: string, input: { openIDConnectProviderArn: string; tags: { key?: unknown; value?: unknown }[] }): Promise<void> {
  const added = tagsFrom(input.tags);
  await update(env, account, input.openIDConnectProviderArn, (p) => ({ ...p, tags: mergeTags(p.tags, added) }));
}

export async function untagOpenIDConnectProvider(env: IamEnv, account: string, input: { openIDConnectProviderArn: string; tagKeys: string[] }): Promise<void> {
  await update(env, account, input.openIDConnectProviderArn, (p) => ({ ...p, tags: removeTags(p.tags, input.tagKeys) }));
}

export async function listOpenIDConnectProviderTags(
  env: IamEnv,
  account: string,
  input: { openIDConnectProviderArn: string; marker?: string; maxItems?: number },
): Promise<{ tags: Tag[]; isTruncated: boolean; marker?: string | undefined }> {
  const p = await requireProvider(env, account, input.openIDConnectProviderArn, notFound);
  const page = paginate(p.tags, (x) => x.key, input.marker, input.maxItems);
  return { tags: page.items, isTruncated: page.isTruncated, marker: page.marker };
}
