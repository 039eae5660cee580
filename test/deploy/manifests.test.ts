/**
 * deploy/: the Kubernetes manifests parse, and what they ask of irsa-local exists — every flag in
 * the container's args is one `irsa up --help` documents, every env var it sets is one irsa reads,
 * the readiness probe hits the health endpoint, and the Service exposes the container's ports.
 * (The Dockerfile is not built here: no container runtime on the test machine.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseManifestText } from '../../src/cli/analyze-io.js';
import { irsa } from '../support/run-cli.js';
import { repoRoot } from '../support/shared.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('deploy/replicas/irsa-local.yaml', () => {
  const file = join(repoRoot, 'deploy', 'replicas', 'irsa-local.yaml');
  const docs = parseManifestText(file, readFileSync(file, 'utf8')).map((d) => d.value as Obj);
  const byKind = (k: string): Obj => docs.find((d) => d['kind'] === k) as Obj;

  it('has a Namespace, a Secret, a Deployment of two replicas and a Service', () => {
    assert.deepEqual(docs.map((d) => d['kind']), ['Namespace', 'Secret', 'Deployment', 'Service']);
    assert.equal(byKind('Deployment')['spec']['replicas'], 2);
  });

  it('passes only flags irsa up knows, and env vars irsa reads', () => {
    const help = irsa(['up', '--help']).stdout;
    const container = byKind('Deployment')['spec']['template']['spec']['containers'][0] as Obj;
    const args = container['args'] as string[];
    assert.equal(args[0], 'up');
    for (const flag of args.filter((a) => a.startsWith('--'))) assert.ok(help.includes(`${flag} `), `irsa up --help documents ${flag}`);
    for (const name of Object.keys(byKind('Secret')['stringData'] as Obj)) assert.ok(help.includes(`$${name}`), `irsa up --help documents $${name}`);
  });

  it('probes the health endpoint and exposes the ports the container listens on', () => {
    const container = byKind('Deployment')['spec']['template']['spec']['containers'][0] as Obj;
    assert.equal(container['readinessProbe']['httpGet']['path'], '/_irsa/health');
    const args = container['args'] as string[];
    const portOf = (flag: string): number => Number(args[args.indexOf(flag) + 1]);
    const named = new Map((container['ports'] as Obj[]).map((p) => [p['name'], p['containerPort']]));
    assert.equal(named.get('aws'), portOf('--port'));
    assert.equal(named.get('kube'), portOf('--kube-port'));
    assert.equal(named.get('oidc'), portOf('--oidc-port'));
    const service = byKind('Service')['spec'] as Obj;
    assert.deepEqual((service['ports'] as Obj[]).map((p) => p['targetPort']).sort(), ['aws', 'kube', 'oidc']);
    assert.equal(new URL(args[args.indexOf('--issuer-url') + 1] as string).port, String(portOf('--oidc-port')));
  });
});
