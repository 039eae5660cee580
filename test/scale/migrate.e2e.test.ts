/**
 * `irsa migrate --from sqlite:DIR --to postgres://…`: an embedded installation with IAM, S3
 * objects and a secret is copied into an empty PostgreSQL database; `irsa up --store` on that
 * database with the installation's data key then answers as the original did — same roles, same
 * object bytes and ETags, same secret value, same administrator. A second migration into the same
 * database is refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { irsaAsync } from '../support/run-cli.js';

describe('irsa migrate: SQLite installation → PostgreSQL', { timeout: 600_000 }, async () => {
  const pgOrSkip = await startTestPostgres();
  const skip = 'skip' in pgOrSkip ? pgOrSkip.skip : false;
  const pg = 'skip' in pgOrSkip ? undefined : (pgOrSkip as TestPostgres);
  let work = '';
  let source: IrsaProcess | undefined;
  let replica: IrsaProcess | undefined;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'irsa-migrate-'));
  });
  after(async () => {
    await source?.stop();
    await replica?.stop();
    removeDir(source?.dataDir ?? '');
    removeDir(replica?.dataDir ?? '');
    removeDir(work);
    await pg?.stop();
  });

  it('copies documents and object bytes; the PostgreSQL replica answers as the installation did', { skip }, async () => {
    source = await startIrsa();
    const env = source.env;
    const ok = (args: string[]): string => {
      const r = aws(args, env, work);
      assert.equal(r.status, 0, `aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    ok(['iam', 'create-role', '--role-name', 'migrated', '--assume-role-policy-document', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] })]);
    ok(['s3', 'mb', 's3://moved']);
    const small = randomBytes(3000);
    const big = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(work, 'small'), small);
    writeFileSync(join(work, 'big'), big);
    ok(['s3api', 'put-object', '--bucket', 'moved', '--key', 'a/small', '--body', 'small']);
    ok(['s3api', 'put-object', '--bucket', 'moved', '--key', 'b/big', '--body', 'big']);
    const etag = (key: string): string => JSON.parse(ok(['s3api', 'head-object', '--bucket', 'moved', '--key', key]))['ETag'] as string;
    const etags = { small: etag('a/small'), big: etag('b/big') };
    ok(['secretsmanager', 'create-secret', '--name', 'db-password', '--secret-string', 'hunter2']);
    const adminKey = env['AWS_ACCESS_KEY_ID'];
    await source.stop();

    const url = (pg as TestPostgres).url;
    const migrated = await irsaAsync(['migrate', '--from', `sqlite:${source.dataDir}`, '--to', url]);
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.match(migrated.stdout, /copied [\d,]+ documents \(\d+ kinds\) and 2 S3 object blobs/);
    assert.ok(!migrated.stdout.includes(url) && !migrated.stderr.includes(url), 'the connection string is not printed');

    const dataKey = readFileSync(join(source.dataDir, 'data.key'), 'utf8').trim();
    replica = await startIrsa({ store: url, dataKey });
    const renv = replica.env;
    assert.equal(renv['AWS_ACCESS_KEY_ID'], adminKey, 'the same administrator');
    const rok = (args: string[]): string => {
      const r = aws(args, renv, work);
      assert.equal(r.status, 0, `aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.equal(JSON.parse(rok(['iam', 'get-role', '--role-name', 'migrated']))['Role']['RoleName'], 'migrated');
    rok(['s3api', 'get-object', '--bucket', 'moved', '--key', 'a/small', 'small.out']);
    rok(['s3api', 'get-object', '--bucket', 'moved', '--key', 'b/big', 'big.out']);
    assert.ok(readFileSync(join(work, 'small.out')).equals(small));
    assert.ok(readFileSync(join(work, 'big.out')).equals(big));
    assert.equal(JSON.parse(rok(['s3api', 'head-object', '--bucket', 'moved', '--key', 'b/big']))['ETag'], etags.big);
    assert.equal(JSON.parse(rok(['s3api', 'head-object', '--bucket', 'moved', '--key', 'a/small']))['ETag'], etags.small);
    assert.equal(JSON.parse(rok(['secretsmanager', 'get-secret-value', '--secret-id', 'db-password']))['SecretString'], 'hunter2');
    await replica.stop();

    const again = await irsaAsync(['migrate', '--from', `sqlite:${source.dataDir}`, '--to', url]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds an installation/);
  });

  it('refuses what it cannot copy: a directory without a store, a target that is not PostgreSQL', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'irsa-migrate-empty-'));
    const none = await irsaAsync(['migrate', '--from', `sqlite:${empty}`, '--to', 'postgres://127.0.0.1:1/x']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no irsa-local store/);
    const usage = await irsaAsync(['migrate', '--from', `sqlite:${empty}`, '--to', 'mysql://x']);
    assert.equal(usage.status, 2);
    removeDir(empty);
  });
});
