/** Pods for the pod-runner tests, in the shape the pod identity webhook leaves them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { sharedDir } from '../../support/shared.js';

export const ROLE_ARN = 'arn:aws:iam::111122223333:role/s3-reader';
export const IRSA_TOKEN_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';

/** handler_test.go's pod after its expected patch (IRSA, SA token-expiration 3600). */
export function irsaPod(overrides: { env?: unknown[]; name?: string; namespace?: string; annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: overrides.name ?? 'balajilovesoreos',
      namespace: overrides.namespace ?? 'default',
      uid: 'be8695c4-4ad0-4038-8786-c508853aa255',
      ...(overrides.annotations ? { annotations: overrides.annotations } : {}),
    },
    spec: {
      serviceAccountName: 'default',
      volumes: [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }] } }],
      containers: [
        {
          name: 'balajilovesoreos',
          image: 'amazonlinux',
          env: overrides.env ?? [
            { name: 'AWS_ROLE_ARN', value: ROLE_ARN },
            { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: IRSA_TOKEN_PATH },
          ],
          resources: {},
          volumeMounts: [{ name: 'aws-iam-token', readOnly: true, mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }],
        },
      ],
    },
    status: { phase: 'Running' },
  };
}

interface PatchOp {
  op: 'add';
  path: string;
  value: unknown;
}

/**
 * The webhook conformance fixtures (../shared), each as the pod after its expected patch. Only
 * what the patch carries is kept (containers, the added volume, labels), which is all the env
 * and token mapping depend on. Empty when the shared data is absent.
 */
export function mutatedFixturePods(): { file: string; pod: KubeObject }[] {
  const shared = sharedDir();
  if (!shared) return [];
  const root = join(shared, 'conformance', 'pod-identity-webhook');
  const files = [
    ...readdirSync(root).filter((f) => f.endsWith('.pod.yaml')),
    ...readdirSync(join(root, 'containercredentials'))
      .filter((f) => f.endsWith('.pod.yaml'))
      .map((f) => `containercredentials/${f}`),
  ];
  return files.flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const m = /expectedPatch: '((?:[^']|'')*)'/.exec(text);
    if (!m) return [];
    const ops = JSON.parse((m[1] as string).replace(/''/g, "'")) as PatchOp[];
    const name = /^ {2}name: (\S+)/m.exec(text)?.[1] ?? 'pod';
    const metadata = { name, namespace: 'default', uid: 'uid-1', labels: {} as Record<string, string> };
    const spec: Record<string, unknown> & { volumes: unknown[] } = { serviceAccountName: 'default', volumes: [] };
    for (const op of ops) {
      if (op.path === '/metadata/labels') metadata.labels = op.value as Record<string, string>;
      else if (op.path === '/spec/volumes') spec.volumes = op.value as unknown[];
      else if (op.path === '/spec/volumes/0') spec.volumes.unshift(op.value);
      else if (op.path === '/spec/containers' || op.path === '/spec/initContainers') spec[op.path.slice(6)] = op.value;
    }
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec };
    return [{ file, pod }];
  });
}

/** Whether a process still exists (signal 0 probes without delivering anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
