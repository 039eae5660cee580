import { randomBytes } from 'node:crypto';
import { Aead } from '../crypto/aead.js';
import { attachPolicy } from '../iam/entity-policies.js';
import type { IamEnv, SecretSealer } from '../iam/env.js';
import { K, policyScope, type PolicyDoc, type PolicyVersionDoc } from '../iam/model.js';
import { createAccessKey, createUser } from '../iam/users.js';
import type { Store } from '../store/store.js';

/**
 * First start: the account, the key that seals session tokens (held by the store, so every
 * replica opens every token), the AWS managed AdministratorAccess policy, and a bootstrap
 * administrator with an access key. Later starts read what is there.
 */
export const DEFAULT_ACCOUNT = '123456789012';
export const ADMIN_USER = 'irsa-admin';
const META = 'meta';

export interface Bootstrapped {
  readonly account: string;
  readonly sessionAead: Aead;
  readonly adminAccessKeyId: string;
}

/** Seals secrets at rest (access key secrets, the session key) with the data directory's key. */
export function secretSealer(dataKey: Uint8Array): SecretSealer {
  const aead = new Aead(new Map([[1, dataKey]]), 1, 'irsa-local secret at rest');
  return {
    seal: (plain) => aead.sealString(plain),
    open: (sealed) => {
      const v = aead.openString(sealed);
      if (v === undefined) throw new Error('a secret in the store cannot be opened with this data key (wrong data directory?)');
      return v;
    },
  };
}

const ADMIN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, null, 4);

export async function bootstrap(store: Store, env: IamEnv, requestedAccount: string | undefined): Promise<Bootstrapped> {
  const sealer = env.sealer;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { account, fresh } = await store.tx(async (t) => {
    const existing = await t.get<{ account: string }>(META, '', 'account');
    if (existing) return { account: existing.account, fresh: false };
    const acct = requestedAccount ?? DEFAULT_ACCOUNT;
    await t.put(META, '', 'account', { account: acct, createdAt: now });
    await t.put(META, '', 'sts-session-keys', { current: 1, keys: [{ id: 1, sealed: sealer.seal(randomBytes(32).toString('base64')) }] });
    const arn = 'arn:aws:iam::aws:policy/AdministratorAccess';
    await t.put(K.policy, 'aws', 'AdministratorAccess', {
      policyName: 'AdministratorAccess',
      policyId: 'ANPAIWMBCKSKIEE64ZLYK',
      path: '/',
      arn,
      description: 'Provides full access to AWS services and resources.',
      defaultVersionId: 'v1',
      nextVersion: 2,
      createDate: now,
      updateDate: now,
      tags: [],
    } satisfies PolicyDoc);
    await t.put(K.policyVersion, policyScope(arn), 'v1', { versionId: 'v1', document: ADMIN_POLICY, createDate: now } satisfies PolicyVersionDoc);
    return { account: acct, fresh: true };
  });
  if (requestedAccount !== undefined && requestedAccount !== account) {
    throw new Error(`this data directory belongs to account ${account}; it cannot serve account ${requestedAccount}`);
  }
  if (fresh) {
    await createUser(env, account, { userName: ADMIN_USER });
    await attachPolicy(env, 'user', account, ADMIN_USER, 'arn:aws:iam::aws:policy/AdministratorAccess');
    const key = await createAccessKey(env, account, ADMIN_USER);
    await store.tx((t) => t.put(META, '', 'admin', { userName: ADMIN_USER, accessKeyId: key.accessKey.accessKeyId }));
  }
  const keys = await store.read((t) => t.get<{ current: number; keys: { id: number; sealed: string }[] }>(META, '', 'sts-session-keys'));
  const admin = await store.read((t) => t.get<{ accessKeyId: string }>(META, '', 'admin'));
  if (!keys || !admin) throw new Error('the store is missing its bootstrap records');
  const sessionAead = new Aead(new Map(keys.keys.map((k) => [k.id, Buffer.from(sealer.open(k.sealed), 'base64')])), keys.current, 'irsa-local sts session');
  return { account, sessionAead, adminAccessKeyId: admin.accessKeyId };
}

/** The bootstrap administrator's credentials, for `irsa env`. */
export async function adminCredentials(store: Store, sealer: SecretSealer): Promise<{ accessKeyId: string; secretAccessKey: string } | undefined> {
  const admin = await store.read((t) => t.get<{ accessKeyId: string }>(META, '', 'admin'));
  if (!admin) return undefined;
  const key = await store.read((t) => t.get<{ secretSealed: string }>(K.accessKey, '', admin.accessKeyId));
  return key ? { accessKeyId: admin.accessKeyId, secretAccessKey: sealer.open(key.secretSealed) } : undefined;
}
