import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { IamDataCatalog } from '../../src/catalog/iam-data.js';
import { secretSealer } from '../../src/server/bootstrap.js';
import { secretsManagerOperations, type AuthzRequest, type SmCall, type SmOperation } from '../../src/services/secretsmanager/index.js';
import { SECRET_KIND, VALUE_KIND, type SecretDoc } from '../../src/services/secretsmanager/model.js';
import { versionKey } from '../../src/services/secretsmanager/ids.js';
import { pruneDeprecated } from '../../src/services/secretsmanager/versions.js';
import { words } from '../../src/services/secretsmanager/filters.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';

/**
 * Secrets Manager's domain against a real SQLite store, a clock the test moves, and an authorizer
 * that records what it is asked (and can deny). Wire-level behaviour is in the e2e files.
 */
const T0 = Date.parse('2026-03-01T10:00:00Z');
const DAY = 86_400_000;
const token = (n: number | string) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

class Recorder {
  readonly asked: AuthzRequest[] = [];
  deny: ((r: AuthzRequest) => boolean) | undefined;
  authorize = async (r: AuthzRequest): Promise<string | undefined> => {
    this.asked.push(r);
    return this.deny?.(r) ? `denied ${r.action} on ${r.shownResource ?? r.resource}` : undefined;
  };
}

async function rejects(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<AwsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.httpStatus, 400);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('Secrets Manager domain', () => {
  let dir: string;
  let store: SqliteStore;
  let now = T0;
  let ops: Readonly<Record<string, SmOperation>>;
  const rec = new Recorder();
  const call: SmCall = { region: 'us-east-1', authorize: rec.authorize };
  const op = (name: string, input: Record<string, unknown>) => (ops[name] as SmOperation)(input, call);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'irsa-sm-domain-'));
    store = openSqliteStore(join(dir, 'store.db'));
    ops = secretsManagerOperations({ store, now: () => new Date(now), random: randomBytes, sealer: secretSealer(randomBytes(32)), partition: 'aws', account: '123456789012' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a secret with an ARN ending in six random letters or digits, and reads it by name, ARN or partial ARN', async () => {
    const out = await op('CreateSecret', { Name: 'app/db', SecretString: 'p@ss', ClientRequestToken: token(1) });
    assert.match(out['ARN'] as string, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/db-[A-Za-z0-9]{6}$/);
    assert.equal(out['VersionId'], token(1));
    const arn = out['ARN'] as string;
    for (const id of ['app/db', arn, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db']) {
      const got = await op('GetSecretValue', { SecretId: id });
      assert.equal(got['SecretString'], 'p@ss');
      assert.deepEqual(got['VersionStages'], ['AWSCURRENT']);
    }
    // A complete ARN with another suffix names another (deleted and re-created) secret.
    await rejects(op('GetSecretValue', { SecretId: `${arn.slice(0, -6)}ZZZZZZ` }), 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    await rejects(op('GetSecretValue', { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db' }), 'ResourceNotFoundException');
    await rejects(op('GetSecretValue', { SecretId: 'bad name' }), 'ValidationException', /^Invalid name\. Must be a valid name containing alphanumeric characters/);
  });

  it('keeps names case-sensitive although store keys are not', async () => {
    await op('CreateSecret', { Name: 'CaseDb', SecretString: 'upper', ClientRequestToken: token(2) });
    await op('CreateSecret', { Name: 'casedb', SecretString: 'lower', ClientRequestToken: token(3) });
    assert.equal((await op('GetSecretValue', { SecretId: 'CaseDb' }))['SecretString'], 'upper');
    assert.equal((await op('GetSecretValue', { SecretId: 'casedb' }))['SecretString'], 'lower');
    await rejects(op('GetSecretValue', { SecretId: 'CASEDB' }), 'ResourceNotFoundException');
  });

  it('is idempotent for a retried token with the same value and refuses the token with another', async () => {
    const first = await op('CreateSecret', { Name: 'idem', SecretString: 'v1', ClientRequestToken: token(10) });
    const again = await op('CreateSecret', { Name: 'idem', SecretString: 'v1', ClientRequestToken: token(10) });
    assert.deepEqual(again, first);
    await rejects(op('CreateSecret', { Name: 'idem', SecretString: 'other', ClientRequestToken: token(10) }), 'ResourceExistsException', `You can't use ClientRequestToken ${token(10)} because that value is already in use for a version of secret ${first['ARN'] as string}.`);
    await rejects(op('CreateSecret', { Name: 'idem', SecretString: 'v1', ClientRequestToken: token(11) }), 'ResourceExistsException', 'The operation failed because the secret idem already exists.');
    const put = await op('PutSecretValue', { SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token(12) });
    assert.deepEqual(await op('PutSecretValue', { SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token(12) }), put);
    await rejects(op('PutSecretValue', { SecretId: 'idem', SecretBinary: Buffer.from('v2'), ClientRequestToken: token(12) }), 'ResourceExistsException');
    await rejects(op('UpdateSecret', { SecretId: 'idem', SecretString: 'v3', ClientRequestToken: token(12) }), 'ResourceExistsException');
    await rejects(op('PutSecretValue', { SecretId: 'idem', SecretString: 'v2' }), 'InvalidRequestException', 'You must provide a ClientRequestToken value. We recommend a UUID-type value.');
    await rejects(op('PutSecretValue', { SecretId: 'idem', ClientRequestToken: token(13) }), 'InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    await rejects(op('CreateSecret', { Name: 'both', SecretString: 'a', SecretBinary: Buffer.from('b'), ClientRequestToken: token(14) }), 'InvalidParameterException');
  });

  it('moves staging labels as AWS does', async () => {
    await op('CreateSecret', { Name: 'stages', SecretString: 'S1', ClientRequestToken: token(20) });
    const labels = async () => ({ ...((await op('DescribeSecret', { SecretId: 'stages' }))['VersionIdsToStages'] as Record<string, string[]>) });
    await op('PutSecretValue', { SecretId: 'stages', SecretString: 'S2', ClientRequestToken: token(21), VersionStages: ['AWSPENDING'] });
    assert.deepEqual(await labels(), { [token(20)]: ['AWSCURRENT'], [token(21)]: ['AWSPENDING'] });
    // AWSCURRENT must be moved explicitly, from the version that holds it.
    await rejects(
      op('UpdateSecretVersionStage', { SecretId: 'stages', VersionStage: 'AWSCURRENT', MoveToVersionId: token(21) }),
      'InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${token(20)}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
    await rejects(op('UpdateSecretVersionStage', { SecretId: 'stages', VersionStage: 'AWSCURRENT', RemoveFromVersionId: token(20) }), 'InvalidParameterException', /can't be completely removed/);
    await op('UpdateSecretVersionStage', { SecretId: 'stages', VersionStage: 'AWSCURRENT', RemoveFromVersionId: token(20), MoveToVersionId: token(21) });
    assert.deepEqual(await labels(), { [token(20)]: ['AWSPREVIOUS'], [token(21)]: ['AWSCURRENT', 'AWSPENDING'] });
    assert.equal((await op('GetSecretValue', { SecretId: 'stages', VersionStage: 'AWSPREVIOUS' }))['SecretString'], 'S1');
    // A new current version: AWSPREVIOUS follows, and the finished rotation's AWSPENDING goes.
    await op('PutSecretValue', { SecretId: 'stages', SecretString: 'S3', ClientRequestToken: token(22) });
    assert.deepEqual(await labels(), { [token(21)]: ['AWSPREVIOUS'], [token(22)]: ['AWSCURRENT'] });
    const all = await op('ListSecretVersionIds', { SecretId: 'stages', IncludeDeprecated: true });
    assert.deepEqual((all['Versions'] as { VersionId: string }[]).map((v) => v.VersionId), [token(22), token(21), token(20)]);
    const live = await op('ListSecretVersionIds', { SecretId: 'stages' });
    assert.deepEqual((live['Versions'] as { VersionId: string }[]).map((v) => v.VersionId), [token(22), token(21)]);
    // Custom labels move between versions too; the deprecated version still answers by id.
    await op('PutSecretValue', { SecretId: 'stages', SecretString: 'S4', ClientRequestToken: token(23), VersionStages: ['blue', 'green'] });
    await op('PutSecretValue', { SecretId: 'stages', SecretString: 'S5', ClientRequestToken: token(24), VersionStages: ['green'] });
    assert.deepEqual((await labels())[token(23)], ['blue']);
    assert.equal((await op('GetSecretValue', { SecretId: 'stages', VersionId: token(20) }))['SecretString'], 'S1');
    await rejects(op('GetSecretValue', { SecretId: 'stages', VersionId: token(20), VersionStage: 'AWSCURRENT' }), 'InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
    await rejects(op('GetSecretValue', { SecretId: 'stages', VersionStage: 'NOPE' }), 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: NOPE");
    await rejects(op('GetSecretValue', { SecretId: 'stages', VersionId: token(99) }), 'ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${token(99)}`);
  });

  it('UpdateSecret changes metadata alone, or adds a current version', async () => {
    await op('CreateSecret', { Name: 'upd', SecretString: 'a', ClientRequestToken: token(30) });
    const meta = await op('UpdateSecret', { SecretId: 'upd', Description: 'described', ClientRequestToken: token(31) });
    assert.equal(meta['VersionId'], undefined);
    const val = await op('UpdateSecret', { SecretId: 'upd', SecretBinary: Buffer.from([0, 1, 2, 255]), ClientRequestToken: token(32) });
    assert.equal(val['VersionId'], token(32));
    const got = await op('GetSecretValue', { SecretId: 'upd' });
    assert.deepEqual([...(got['SecretBinary'] as Buffer)], [0, 1, 2, 255]);
    assert.equal(got['SecretString'], undefined);
    assert.equal((await op('DescribeSecret', { SecretId: 'upd' }))['Description'], 'described');
  });

  it('schedules deletion, refuses the value meanwhile, restores, and purges when the window ends', async () => {
    const created = await op('CreateSecret', { Name: 'doomed', SecretString: 'gone soon', ClientRequestToken: token(40) });
    await rejects(op('DeleteSecret', { SecretId: 'doomed', RecoveryWindowInDays: 6 }), 'InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    await rejects(op('DeleteSecret', { SecretId: 'doomed', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }), 'InvalidParameterException');
    const del = await op('DeleteSecret', { SecretId: 'doomed' });
    assert.equal((del['DeletionDate'] as Date).getTime(), now + 30 * DAY);
    await rejects(op('GetSecretValue', { SecretId: 'doomed' }), 'InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    await rejects(op('DeleteSecret', { SecretId: 'doomed' }), 'InvalidRequestException', "You tried to perform the operation on a secret that's currently marked deleted.");
    await rejects(op('CreateSecret', { Name: 'doomed', SecretString: 'x', ClientRequestToken: token(41) }), 'InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
    assert.equal(((await op('DescribeSecret', { SecretId: 'doomed' }))['DeletedDate'] as Date).getTime(), now);
    const listed = async (include: boolean) => ((await op('ListSecrets', { IncludePlannedDeletion: include }))['SecretList'] as { Name: string }[]).map((s) => s.Name);
    assert.ok(!(await listed(false)).includes('doomed'));
    assert.ok((await listed(true)).includes('doomed'));
    await op('RestoreSecret', { SecretId: 'doomed' });
    assert.equal((await op('GetSecretValue', { SecretId: 'doomed' }))['SecretString'], 'gone soon');
    await op('DeleteSecret', { SecretId: 'doomed', RecoveryWindowInDays: 7 });
    const uid = (await store.read((t) => t.get<SecretDoc>(SECRET_KIND, '123456789012/us-east-1', 'doomed')))?.uid as string;
    assert.equal((await store.read((t) => t.list(VALUE_KIND, uid))).length, 1);
    now += 7 * DAY - 1;
    await rejects(op('GetSecretValue', { SecretId: 'doomed' }), 'InvalidRequestException');
    now += 1;
    await rejects(op('DescribeSecret', { SecretId: 'doomed' }), 'ResourceNotFoundException');
    assert.equal((await store.read((t) => t.list(VALUE_KIND, uid))).length, 0, 'the values are purged with the secret');
    const again = await op('CreateSecret', { Name: 'doomed', SecretString: 'new', ClientRequestToken: token(40) });
    assert.notEqual(again['ARN'], created['ARN'], 'a re-created secret gets a new ARN');
    await rejects(op('GetSecretValue', { SecretId: created['ARN'] as string }), 'ResourceNotFoundException');
  });

  it('force-deletes at once, and a forced delete of a missing secret succeeds', async () => {
    await op('CreateSecret', { Name: 'forced', SecretString: 'x', ClientRequestToken: token(50) });
    const out = await op('DeleteSecret', { SecretId: 'forced', ForceDeleteWithoutRecovery: true });
    assert.equal((out['DeletionDate'] as Date).getTime(), now);
    await rejects(op('DescribeSecret', { SecretId: 'forced' }), 'ResourceNotFoundException');
    const missing = await op('DeleteSecret', { SecretId: 'never-was', ForceDeleteWithoutRecovery: true });
    assert.equal(missing['Name'], 'never-was');
    await rejects(op('DeleteSecret', { SecretId: 'never-was' }), 'ResourceNotFoundException');
  });

  it('filters, sorts and pages ListSecrets with tamper-proof tokens', async () => {
    const names = ['flt/alpha', 'flt/Beta', 'flt/gamma', 'flt/delta', 'flt/epsilon'];
    for (const [i, name] of names.entries()) {
      now += 1000;
      await op('CreateSecret', { Name: name, Description: i % 2 ? 'Payments database' : 'cache', Tags: [{ Key: i < 2 ? 'team' : 'owner', Value: `v${i}` }], ClientRequestToken: token(60 + i) });
    }
    const list = async (input: Record<string, unknown>) => ((await op('ListSecrets', input))['SecretList'] as { Name: string }[]).map((s) => s.Name);
    const f = (Key: string, ...Values: string[]) => ({ Filters: [{ Key, Values }] });
    assert.deepEqual(await list(f('name', 'flt/')), names);
    assert.deepEqual(await list(f('name', 'flt/b')), [], 'name is case-sensitive');
    assert.deepEqual(await list(f('description', 'PAYMENTS')), ['flt/Beta', 'flt/delta'], 'description is not');
    assert.deepEqual(await list(f('tag-key', 'tea')), ['flt/alpha', 'flt/Beta']);
    assert.deepEqual(await list(f('tag-value', 'v4', 'v0')), ['flt/alpha', 'flt/epsilon']);
    assert.deepEqual(await list({ Filters: [{ Key: 'name', Values: ['flt/'] }, { Key: 'tag-key', Values: ['!team'] }] }), ['flt/gamma', 'flt/delta', 'flt/epsilon']);
    assert.deepEqual(await list({ Filters: [{ Key: 'name', Values: ['flt/'] }, { Key: 'all', Values: ['payments'] }] }), ['flt/Beta', 'flt/delta']);
    assert.deepEqual(await list({ ...f('name', 'flt/'), SortBy: 'name', SortOrder: 'desc' }), ['flt/gamma', 'flt/epsilon', 'flt/delta', 'flt/alpha', 'flt/Beta']);
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const out = await op('ListSecrets', { ...f('name', 'flt/'), MaxResults: 2, ...(next ? { NextToken: next } : {}) });
      seen.push(...(out['SecretList'] as { Name: string }[]).map((s) => s.Name));
      next = out['NextToken'] as string | undefined;
      pages++;
    } while (next);
    assert.deepEqual(seen, names);
    assert.equal(pages, 3);
    const first = await op('ListSecrets', { ...f('name', 'flt/'), MaxResults: 2 });
    const tok = first['NextToken'] as string;
    const tampered = tok.slice(0, 10) + (tok[10] === 'A' ? 'B' : 'A') + tok.slice(11);
    await rejects(op('ListSecrets', { ...f('name', 'flt/'), MaxResults: 2, NextToken: tampered }), 'InvalidNextTokenException');
    await rejects(op('ListSecrets', { ...f('name', 'other'), MaxResults: 2, NextToken: tok }), 'InvalidNextTokenException');
  });

  it('splits search words as the console does', () => {
    assert.deepEqual(words('credsDatabase#892'), ['creds', 'database', '892']);
    assert.deepEqual(words('My_Secret'), ['my', 'secret']);
  });

  it('tags: adds, replaces, removes, and enforces the limits', async () => {
    await op('CreateSecret', { Name: 'tagged', SecretString: 'x', ClientRequestToken: token(70), Tags: [{ Key: 'A', Value: '1' }] });
    await op('TagResource', { SecretId: 'tagged', Tags: [{ Key: 'a', Value: '2' }, { Key: 'A', Value: '3' }] });
    assert.deepEqual((await op('DescribeSecret', { SecretId: 'tagged' }))['Tags'], [{ Key: 'A', Value: '3' }, { Key: 'a', Value: '2' }]);
    await op('UntagResource', { SecretId: 'tagged', TagKeys: ['A', 'missing'] });
    assert.deepEqual((await op('DescribeSecret', { SecretId: 'tagged' }))['Tags'], [{ Key: 'a', Value: '2' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await rejects(op('TagResource', { SecretId: 'tagged', Tags: many }), 'InvalidParameterException');
    await rejects(op('TagResource', { SecretId: 'tagged', Tags: [{ Key: 'aws:reserved', Value: 'v' }] }), 'InvalidParameterException');
  });

  it('validates resource policies and blocks public ones on request', async () => {
    await op('CreateSecret', { Name: 'pol', SecretString: 'x', ClientRequestToken: token(80) });
    await rejects(op('PutResourcePolicy', { SecretId: 'pol', ResourcePolicy: '{"Version": "2019-10-19"' }), 'MalformedPolicyDocumentException', 'This policy has invalid syntax.');
    await rejects(op('PutResourcePolicy', { SecretId: 'pol', ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] }) }), 'MalformedPolicyDocumentException');
    const open = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    await rejects(op('PutResourcePolicy', { SecretId: 'pol', ResourcePolicy: open, BlockPublicPolicy: true }), 'PublicPolicyException');
    await op('PutResourcePolicy', { SecretId: 'pol', ResourcePolicy: open });
    assert.equal((await op('GetResourcePolicy', { SecretId: 'pol' }))['ResourcePolicy'], open);
    const asked = rec.asked.length;
    await op('GetSecretValue', { SecretId: 'pol' });
    assert.ok(rec.asked[asked]?.resourcePolicy, 'the resource policy takes part in authorization');
    await op('DeleteResourcePolicy', { SecretId: 'pol' });
    assert.equal((await op('GetResourcePolicy', { SecretId: 'pol' }))['ResourcePolicy'], undefined);
  });

  it('authorizes before revealing whether a secret exists, naming the SecretId as given', async () => {
    rec.deny = (r) => r.action === 'secretsmanager:GetSecretValue';
    try {
      await rejects(op('GetSecretValue', { SecretId: 'no-such-secret' }), 'AccessDeniedException', 'denied secretsmanager:GetSecretValue on no-such-secret');
      const last = rec.asked[rec.asked.length - 1] as AuthzRequest;
      assert.equal(last.resource, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-secret');
      await rejects(op('GetSecretValue', { SecretId: 'app/db' }), 'AccessDeniedException');
      const batch = await op('BatchGetSecretValue', { SecretIdList: ['app/db', 'CaseDb'] });
      assert.deepEqual((batch['Errors'] as { ErrorCode: string }[]).map((e) => e.ErrorCode), ['AccessDeniedException', 'AccessDeniedException']);
    } finally {
      rec.deny = undefined;
    }
    const batch = await op('BatchGetSecretValue', { SecretIdList: ['app/db', 'missing-one'] });
    assert.deepEqual((batch['SecretValues'] as { Name: string }[]).map((v) => v.Name), ['app/db']);
    assert.deepEqual(batch['Errors'], [{ SecretId: 'missing-one', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }]);
    await rejects(op('BatchGetSecretValue', {}), 'InvalidParameterException');
    await rejects(op('BatchGetSecretValue', { SecretIdList: ['a'], MaxResults: 2 }), 'InvalidParameterException');
  });

  it('stores values sealed: no value in clear in the store file, and a sealed value moved elsewhere does not open', async () => {
    const marker = `SENTINEL-${randomBytes(8).toString('hex')}`;
    await op('CreateSecret', { Name: 'sealed', SecretString: marker, ClientRequestToken: token(90) });
    await op('PutSecretValue', { SecretId: 'sealed', SecretBinary: Buffer.from(marker), ClientRequestToken: token(91) });
    const decryption = "Secrets Manager can't decrypt the protected secret text using the provided KMS key.";
    // Copy version 91's sealed value over version 90's: it is bound to version 91.
    const uid = (await store.read((t) => t.get<SecretDoc>(SECRET_KIND, '123456789012/us-east-1', 'sealed')))?.uid as string;
    await store.tx(async (t) => t.put(VALUE_KIND, uid, versionKey(token(90)), (await t.get(VALUE_KIND, uid, versionKey(token(91)))) as Record<string, unknown>));
    await rejects(op('GetSecretValue', { SecretId: 'sealed', VersionId: token(90) }), 'DecryptionFailure', decryption);
    await store.close();
    for (const f of ['store.db', 'store.db-wal']) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(dir, f));
      } catch {
        continue;
      }
      assert.ok(!bytes.includes(marker), `${f} holds the value in clear`);
      assert.ok(!bytes.includes(Buffer.from(marker).toString('base64')), `${f} holds the value in base64`);
    }
    // Another data key cannot open anything.
    store = openSqliteStore(join(dir, 'store.db'));
    ops = secretsManagerOperations({ store, now: () => new Date(now), random: randomBytes, sealer: secretSealer(randomBytes(32)), partition: 'aws', account: '123456789012' });
    await rejects(op('GetSecretValue', { SecretId: 'sealed' }), 'DecryptionFailure', decryption);
  });

  it('asks IAM only for actions in the Service Authorization Reference', async () => {
    const catalog = await IamDataCatalog.load(['secretsmanager']);
    const actions = new Set(rec.asked.map((r) => r.action));
    for (const a of [
      'CreateSecret', 'TagResource', 'GetSecretValue', 'BatchGetSecretValue', 'PutSecretValue', 'UpdateSecret', 'DescribeSecret', 'ListSecrets',
      'DeleteSecret', 'RestoreSecret', 'UntagResource', 'PutResourcePolicy', 'GetResourcePolicy', 'DeleteResourcePolicy', 'ListSecretVersionIds', 'UpdateSecretVersionStage',
    ]) {
      assert.ok(actions.has(`secretsmanager:${a}`), `secretsmanager:${a} was exercised`);
    }
    for (const a of actions) {
      const [service, name] = a.split(':') as [string, string];
      assert.ok(catalog.action(service, name), `${a} is in the catalog`);
      assert.equal(catalog.action(service, name)?.name, name, `${a} is spelt as AWS spells it`);
    }
  });
});

describe('deprecated versions', () => {
  it('keeps 100 and every one younger than 24 hours', () => {
    const t = T0 + 10 * DAY;
    const versions = Array.from({ length: 105 }, (_, i) => ({ id: `v${i}`, stages: [] as string[], createdAt: i < 3 ? T0 : t - 1000 }));
    versions.push({ id: 'cur', stages: ['AWSCURRENT'], createdAt: t });
    const dropped = pruneDeprecated(versions, t);
    assert.deepEqual(dropped.sort(), ['v0', 'v1', 'v2'], 'only the old ones go, although five are over the quota');
    assert.equal(versions.length, 103);
    assert.ok(versions.some((v) => v.id === 'cur'));
  });
});
