import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { startWebhook } from '../../../src/cli/webhook.js';
import { SKIP_WEBHOOK_LABEL } from '../../../src/kube/webhook/constants.js';
import { repoRoot } from '../../support/shared.js';

/** deploy/*.yaml: the manifests agree with each other and with what `irsa webhook` accepts and serves. */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dir = join(repoRoot, 'deploy');
const objects: Obj[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => YAML.parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj));
const find = (kind: string, name?: string): Obj => {
  const o = objects.find((x) => x['kind'] === kind && (name === undefined || x['metadata']['name'] === name));
  assert.ok(o, `${kind} ${name ?? ''}`);
  return o;
};

describe('deploy/ manifests', () => {
  const deployment = find('Deployment');
  const namespace = deployment['metadata']['namespace'] as string;
  const container = deployment['spec']['template']['spec']['containers'][0] as Obj;

  it('MutatingWebhookConfiguration: v1 and v1beta1, Ignore, skip label, CREATE pods, /mutate on the Service', () => {
    const hook = find('MutatingWebhookConfiguration')['webhooks'][0] as Obj;
    assert.deepEqual(hook['admissionReviewVersions'], ['v1', 'v1beta1']);
    assert.equal(hook['failurePolicy'], 'Ignore');
    assert.equal(hook['sideEffects'], 'None');
    assert.deepEqual(hook['objectSelector'], { matchExpressions: [{ key: SKIP_WEBHOOK_LABEL, operator: 'DoesNotExist' }] });
    assert.deepEqual(hook['rules'][0]['operations'], ['CREATE']);
    assert.deepEqual(hook['rules'][0]['resources'], ['pods']);
    const service = find('Service');
    assert.deepEqual(hook['clientConfig']['service'], { name: service['metadata']['name'], namespace, path: '/mutate', port: 443 });
    assert.equal(service['spec']['ports'][0]['targetPort'], container['ports'][0]['name']);
    assert.deepEqual(service['spec']['selector'], deployment['spec']['selector']['matchLabels']);
  });

  it('RBAC: get/list/watch ServiceAccounts cluster-wide and ConfigMaps in its namespace, bound to its ServiceAccount', () => {
    const sa = find('ServiceAccount');
    assert.equal(deployment['spec']['template']['spec']['serviceAccountName'], sa['metadata']['name']);
    assert.deepEqual(find('ClusterRole')['rules'], [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] }]);
    const role = find('Role');
    assert.equal(role['metadata']['namespace'], namespace);
    assert.deepEqual(role['rules'], [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      assert.deepEqual(find(kind)['subjects'], [{ kind: 'ServiceAccount', name: sa['metadata']['name'], namespace }]);
    }
  });

  it('Deployment: its own pods skip the webhook; probes hit /readyz and /healthz; args parse', async () => {
    assert.equal(deployment['spec']['template']['metadata']['labels'][SKIP_WEBHOOK_LABEL], 'true');
    assert.equal(container['readinessProbe']['httpGet']['path'], '/readyz');
    assert.equal(container['livenessProbe']['httpGet']['path'], '/healthz');
    const args = container['args'] as string[];
    assert.equal(args[0], 'webhook');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      assert.equal(await startWebhook([...args.slice(1), '--help']), undefined, 'every flag is known');
    } finally {
      process.stdout.write = write;
    }
  });
});
