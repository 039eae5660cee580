import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { irsa } from '../support/run-cli.js';

/** The eksctl commands' flag handling through `irsa` itself, no server needed. */
describe('irsa create/get/delete iamserviceaccount and utils: flags and usage', () => {
  const empty = mkdtempSync(join(tmpdir(), 'irsa-nodata-'));
  after(() => rmSync(empty, { recursive: true, force: true }));

  it('names the missing flag as eksctl does (exit 1)', () => {
    const cases: [string[], string][] = [
      [['create', 'iamserviceaccount', '--name', 'sa', '--attach-policy-arn', 'arn:aws:iam::123456789012:policy/p'], '--cluster must be set'],
      [['create', 'iamserviceaccount', '--cluster', 'c', '--attach-policy-arn', 'arn:aws:iam::123456789012:policy/p'], '--name must be set'],
      [['create', 'iamserviceaccount', '--cluster', 'c', '--name', 'sa'], '--attach-policy-arn must be set'],
      [['delete', 'iamserviceaccount', '--cluster', 'c'], '--name must be set'],
      [['get', 'iamserviceaccount'], '--cluster must be set'],
      [['utils', 'associate-iam-oidc-provider'], '--cluster must be set'],
    ];
    for (const [args, message] of cases) {
      const r = irsa(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^irsa ${args[0] as string}: ${message}\\n$`));
    }
  });

  it('refuses unknown flags, resources and subcommands with usage (exit 2)', () => {
    for (const args of [
      ['create', 'iamserviceaccount', '--cluster', 'c', '--bogus'],
      ['create', 'nodegroup'],
      ['get'],
      ['utils', 'write-kubeconfig'],
      ['get', 'iamserviceaccount', '--cluster', 'c', '-o', 'xml'],
      ['create', 'iamserviceaccount', '--cluster', 'c', '--name', 'a', 'b'],
    ]) {
      const r = irsa(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('prints help on stdout', () => {
    for (const args of [['create', 'iamserviceaccount', '--help'], ['get', 'iamserviceaccount', '-h'], ['delete', 'iamserviceaccount', '--help'], ['utils', 'associate-iam-oidc-provider', '--help']]) {
      const r = irsa(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Usage: irsa /);
    }
  });

  it('says where to start irsa-local when the data directory has none', () => {
    const r = irsa(['create', 'iamserviceaccount', '--cluster', 'c', '--name', 'sa', '--attach-policy-arn', 'arn:aws:iam::123456789012:policy/p', '--data-dir', empty]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no irsa-local data in .*: start it with `irsa up --data-dir/);
  });
});
