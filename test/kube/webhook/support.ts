/**
 * Shared helpers of the webhook tests: the upstream fixtures read in place, the Go typed round-trip
 * normalisation (§5.4 of ../shared/docs/pod-identity-webhook.md) and a static ServiceAccount source.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import type { KubeObject, ServiceAccountLookup } from '../../../src/kube/contracts.js';
import { sharedDir } from '../../support/shared.js';

export const FIXTURE_SUBDIR = ['conformance', 'pod-identity-webhook'] as const;

export function fixtureDir(): string | undefined {
  const dir = sharedDir();
  return dir ? join(dir, ...FIXTURE_SUBDIR) : undefined;
}

export interface Fixture {
  /** Path relative to the fixture directory, e.g. `containercredentials/rawPodSkip.pod.yaml`. */
  readonly name: string;
  readonly pod: Record<string, unknown>;
}

/** Every `*.pod.yaml` under the fixture directory (one has a duplicate key: parsed with uniqueKeys off). */
export function readFixtures(dir: string): Fixture[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.pod.yaml') ? [join(d, e.name)] : []));
  return walk(dir)
    .sort()
    .map((file) => ({ name: relative(dir, file), pod: YAML.parse(readFileSync(file, 'utf8'), { uniqueKeys: false }) as Record<string, unknown> }));
}

/** A fixed set of ServiceAccounts; `gets` counts lookups. */
export function staticServiceAccounts(accounts: KubeObject[]): ServiceAccountLookup & { gets: number } {
  const source = {
    gets: 0,
    async get(namespace: string, name: string): Promise<KubeObject | undefined> {
      source.gets++;
      return accounts.find((sa) => sa.metadata?.namespace === namespace && sa.metadata?.name === name);
    },
  };
  return source;
}

export function serviceAccount(namespace: string, name: string, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name, annotations } };
}

/** corev1.VolumeMount's JSON fields at k8s.io/api v0.36: anything else is dropped by Go's decoder. */
const VOLUME_MOUNT_FIELDS = new Set(['name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr']);

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
  }
  return v;
}

/** A container as it looks after Go's typed round-trip: `resources: {}`, known mount fields, no nulls. */
export function goRoundTripContainer(c: unknown): unknown {
  const out = dropNulls(c) as Record<string, unknown>;
  out['resources'] ??= {};
  if (Array.isArray(out['volumeMounts'])) {
    out['volumeMounts'] = (out['volumeMounts'] as Record<string, unknown>[]).map((m) => {
      const kept = Object.fromEntries(Object.entries(m).filter(([k]) => VOLUME_MOUNT_FIELDS.has(k)));
      kept['mountPath'] ??= '';
      return kept;
    });
  }
  return out;
}

/** A pod with every container normalised as above. */
export function goRoundTripPod(pod: unknown): unknown {
  const out = dropNulls(pod) as Record<string, unknown>;
  const spec = out['spec'] as Record<string, unknown> | undefined;
  if (spec) {
    for (const list of ['containers', 'initContainers']) {
      if (Array.isArray(spec[list])) spec[list] = (spec[list] as unknown[]).map(goRoundTripContainer);
    }
  }
  return out;
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request on a fresh connection to an HTTPS server, trusting only `ca`. */
export function httpsRequest(url: string, ca: string, options: { method?: string; body?: string; contentType?: string } = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', ca, agent: false, headers: options.contentType ? { 'content-type': options.contentType } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
