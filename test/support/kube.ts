/**
 * The embedded Kubernetes API for tests, driven by the REAL kubectl on this machine.
 *
 * Stable API (used by the kube/api, webhook informer and exec tests):
 *
 *   const k = await startKubeApi(opts?);
 *   k.url             // http://127.0.0.1:PORT (plain HTTP, no auth)
 *   k.kubeconfigPath  // a kubeconfig for k.url, context namespace "default"
 *   k.store           // the SQLite Store the API persists to (in k.dataDir)
 *   k.dataDir         // private temp dir: store.db, kubeconfig, HOME and kubectl cache
 *   k.issuer          // the token issuer in use (TestTokenIssuer unless opts.tokens was given)
 *   k.api             // the KubeApi (controllers.idle() waits for pods/deployments to settle)
 *   await k.kubectl(['get', 'pods', '-n', 'demo'], { stdin?, env? }) // → { status, stdout, stderr }
 *   await k.close()   // stops the server, closes the store, removes dataDir unless opts.keepDataDir
 *
 * opts: { dataDir?: reuse a directory (restart durability), keepDataDir?, tokens?, admission?,
 *         exec?, now? }. Each instance gets its own HOME and --cache-dir, so kubectl's discovery
 * cache is never shared between server instances.
 *
 * `createTestTokenIssuer()` signs Kubernetes-shaped ServiceAccount tokens with RS256 (jose);
 * `decodeJwtPayload(token)` reads a JWT's claims without verifying.
 */
import { spawnCollect } from './run-cli.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { PodAdmission, ServiceAccountTokenIssuer, TokenIssueRequest } from '../../src/kube/contracts.js';
import { startKubeApiServer, type ExecHandler, type KubeApi } from '../../src/kube/api/index.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';

export const KUBECTL = process.env['KUBECTL'] ?? '/usr/bin/kubectl';

export interface KubectlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestTokenIssuer extends ServiceAccountTokenIssuer {
  readonly jwks: { keys: JWK[] };
  readonly issued: TokenIssueRequest[];
}

/** An RS256 issuer shaped like kube-apiserver's ServiceAccount token signer. */
export async function createTestTokenIssuer(issuerUrl = 'https://oidc.test.local/id/TESTCLUSTER'): Promise<TestTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const issued: TokenIssueRequest[] = [];
  return {
    issuerUrl,
    jwks: { keys: [jwk] },
    issued,
    async issue(req) {
      issued.push(req);
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + req.expirationSeconds;
      const token = await new SignJWT({
        'kubernetes.io': {
          namespace: req.namespace,
          serviceaccount: { name: req.serviceAccount.name, uid: req.serviceAccount.uid },
          ...(req.pod ? { pod: { name: req.pod.name, uid: req.pod.uid } } : {}),
        },
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(issuerUrl)
        .setSubject(`system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`)
        .setAudience([...req.audiences])
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(exp)
        .sign(privateKey);
      return { token, expirationTimestamp: new Date(exp * 1000) };
    },
  };
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export interface StartKubeApiOptions {
  readonly dataDir?: string;
  readonly keepDataDir?: boolean;
  readonly tokens?: ServiceAccountTokenIssuer;
  readonly admission?: PodAdmission;
  readonly exec?: ExecHandler;
  readonly now?: () => Date;
}

export interface KubeApiHarness {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly dataDir: string;
  readonly store: Store;
  readonly api: KubeApi;
  readonly issuer: ServiceAccountTokenIssuer;
  kubectl(args: readonly string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  close(): Promise<void>;
}

export async function startKubeApi(opts: StartKubeApiOptions = {}): Promise<KubeApiHarness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'irsa-kube-'));
  const store = openSqliteStore(join(dataDir, 'store.db'));
  const issuer = opts.tokens ?? (await createTestTokenIssuer());
  const server = await startKubeApiServer({ store, tokens: issuer, admission: opts.admission, exec: opts.exec, now: opts.now });
  // A fresh HOME/cache per instance: kubectl caches discovery per host:port (kubectl-api.md §2.3).
  const run = mkdtempSync(join(dataDir, 'kubectl-'));
  const home = join(run, 'home');
  const cacheDir = join(run, 'cache');
  mkdirSync(home, { recursive: true });
  const kubeconfigPath = join(run, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: irsa-local',
      '  cluster:',
      `    server: ${server.url}`,
      // @kubernetes/client-node refuses http:// unless this is set; kubectl ignores it for http.
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: irsa-local',
      '  user:',
      '    token: irsa-local',
      'contexts:',
      '- name: irsa-local',
      '  context:',
      '    cluster: irsa-local',
      '    user: irsa-local',
      '    namespace: default',
      'current-context: irsa-local',
      '',
    ].join('\n'),
  );
  return {
    url: server.url,
    kubeconfigPath,
    dataDir,
    store,
    api: server.api,
    issuer,
    kubectl(args, options = {}) {
      return spawnCollect(KUBECTL, ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfigPath, ...options.env },
        input: options.stdin ?? '',
      });
    },
    async close() {
      await server.close();
      await store.close();
      if (!opts.keepDataDir && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
