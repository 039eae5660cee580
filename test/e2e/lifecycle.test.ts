import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { irsa } from '../support/run-cli.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/** `irsa up` and `irsa env` as a user runs them: help, health, env, signals, restart. */
describe('irsa up and irsa env', () => {
  const started: IrsaProcess[] = [];
  after(async () => {
    for (const s of started) {
      await s.stop();
      removeDir(s.dataDir);
    }
  });

  it('irsa up --help lists every flag', () => {
    const r = irsa(['up', '--help']);
    assert.equal(r.status, 0);
    for (const flag of ['--data-dir', '--host', '--port', '--kube-port', '--oidc-port', '--cluster', '--account', '--region', '--quiet', '--help']) assert.match(r.stdout, new RegExp(String.raw`^  (-\w, )?${flag}\b`, 'm'), flag);
  });

  it('answers /_irsa/health with JSON once ready, and prints how to point clients at it', async () => {
    const s = await startIrsa();
    started.push(s);
    const res = await fetch(`${s.url}/_irsa/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body['status'], 'ok');
    assert.equal(body['account'], '123456789012');
    assert.equal(body['store'], 'sqlite');
    assert.match(s.output(), /eval "\$\(irsa env --data-dir .+\)"/);
  });

  it('irsa env prints export lines that work for the aws CLI', () => {
    const s = started[0] as IrsaProcess;
    const r = irsa(['env', '--data-dir', s.dataDir]);
    assert.equal(r.status, 0, r.stderr);
    const vars = Object.fromEntries([...r.stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(Object.keys(vars).sort(), ['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'KUBECONFIG']);
    assert.equal(vars['KUBECONFIG'], join(s.dataDir, 'kubeconfig'));
    assert.equal(vars['AWS_ENDPOINT_URL'], s.url);
    assert.match(vars['AWS_ACCESS_KEY_ID'] ?? '', /^AKIA[A-Z2-7]{16}$/);
    const who = aws(['sts', 'get-caller-identity'], vars as Record<string, string>);
    assert.equal(who.status, 0, who.stderr);
  });

  it('keeps the data directory private and secrets out of the store in clear', () => {
    const s = started[0] as IrsaProcess;
    assert.equal(statSync(s.dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(s.dataDir, 'data.key')).mode & 0o777, 0o600);
    const secret = s.env['AWS_SECRET_ACCESS_KEY'] as string;
    const db = statSync(join(s.dataDir, 'store.db'));
    assert.ok(db.size > 0);
    for (const f of ['store.db', 'store.db-wal']) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(s.dataDir, f));
      } catch {
        continue;
      }
      assert.equal(bytes.includes(Buffer.from(secret)), false, `${f} holds the secret in clear`);
    }
    assert.doesNotMatch(s.output(), new RegExp(secret.replace(/[+/]/g, '.')));
  });

  it('irsa env explains what is missing for an empty directory', () => {
    const r = irsa(['env', '--data-dir', '/nonexistent/irsa-data']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no irsa-local data in \/nonexistent\/irsa-data: start it with `irsa up --data-dir/);
  });

  it('stops cleanly on SIGTERM and on SIGINT, and a restart keeps everything', async () => {
    const s = started.pop() as IrsaProcess;
    const made = aws(['iam', 'create-user', '--user-name', 'kept'], s.env);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(await s.stop('SIGTERM'), 0);
    const again = await startIrsa({ dataDir: s.dataDir });
    const got = aws(['iam', 'get-user', '--user-name', 'kept'], again.env);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(again.env['AWS_ACCESS_KEY_ID'], s.env['AWS_ACCESS_KEY_ID']);
    assert.equal(await again.stop('SIGINT'), 0);
    removeDir(s.dataDir);
  });

  it('refuses to serve another account from an existing directory', async () => {
    const s = await startIrsa();
    await s.stop();
    await assert.rejects(startIrsa({ dataDir: s.dataDir, args: ['--account', '111122223333'] }), /belongs to account 123456789012; it cannot serve account 111122223333/);
    removeDir(s.dataDir);
  });
});

