import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, awsEnv, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/** Several local clusters in one `irsa up`: own issuers, own Kubernetes APIs, separate objects. */
describe('irsa up --cluster a --cluster b', () => {
  let srv: IrsaProcess;
  let home: string;
  before(async () => {
    srv = await startIrsa({ args: ['--cluster', 'alpha', '--cluster', 'beta'] });
    home = mkdtempSync(join(tmpdir(), 'irsa-clusters-'));
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(home ?? '');
  });
  const kubectl = (args: string[]) => spawnSync('kubectl', args, { env: awsEnv({ ...srv.env, HOME: home }), encoding: 'utf8', timeout: 60_000 });

  it('lists both clusters, each with its own issuer and API endpoint', () => {
    assert.deepEqual(JSON.parse(aws(['eks', 'list-clusters'], srv.env).stdout).clusters, ['alpha', 'beta']);
    const a = JSON.parse(aws(['eks', 'describe-cluster', '--name', 'alpha'], srv.env).stdout).cluster;
    const b = JSON.parse(aws(['eks', 'describe-cluster', '--name', 'beta'], srv.env).stdout).cluster;
    assert.notEqual(a.identity.oidc.issuer, b.identity.oidc.issuer);
    assert.notEqual(a.endpoint, b.endpoint);
    assert.equal(a.status, 'ACTIVE');
    assert.match(a.arn, /^arn:aws:eks:us-east-1:123456789012:cluster\/alpha$/);
  });

  it('keeps each cluster\'s objects apart, with a kubeconfig context per cluster', () => {
    assert.equal(kubectl(['config', 'current-context']).stdout.trim(), 'alpha');
    assert.equal(kubectl(['create', 'namespace', 'only-in-alpha']).status, 0);
    assert.equal(kubectl(['get', 'namespace', 'only-in-alpha']).status, 0);
    const r = kubectl(['--context', 'beta', 'get', 'namespace', 'only-in-alpha']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /namespaces "only-in-alpha" not found/);
  });
});
