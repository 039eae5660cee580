import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../kube/contracts.js';
import { CONFIG_MAP_KEY, CONFIG_MAP_NAME, DEFAULT_CONFIG_MAP_NAMESPACE } from '../kube/webhook/constants.js';
import { parseGoBool, parseGoDurationMs, parseGoInt64 } from '../kube/webhook/go-compat.js';
import { watchIdentitiesFile, type IdentitiesFile } from '../kube/webhook/identities-file.js';
import { apiServerUrl, liveServiceAccounts, loadKubeConfig, watchConfigMap, watchServiceAccounts, type Watcher } from '../kube/webhook/kube-client.js';
import { ServiceAccountCache } from '../kube/webhook/sa-cache.js';
import { startWebhookServer, watchTlsFiles } from '../kube/webhook/server.js';
import { webhookSettings } from '../kube/webhook/settings.js';
import { parseConfigMapMappings, parseGroupId, type ConfigMapEntry } from '../kube/webhook/sources.js';
import { createPodIdentityWebhook } from '../kube/webhook/webhook.js';
import { stderrLogger } from '../server/log.js';
import { ExitError, UsageError } from './errors.js';

const HELP = `Usage: irsa webhook --tls-cert FILE --tls-key FILE [options]

Runs the pod identity webhook over HTTPS, as amazon-eks-pod-identity-webhook does: kube-apiserver
POSTs AdmissionReview requests (admission.k8s.io/v1 or v1beta1) to /mutate, and pods whose
ServiceAccount has an eks.amazonaws.com/role-arn annotation get AWS_ROLE_ARN,
AWS_WEB_IDENTITY_TOKEN_FILE and a projected token volume. ServiceAccounts come from a watch on the
Kubernetes API, and a live GET when a pod names one the watch has not delivered yet.
Also serves /healthz (always ok) and /readyz (ok once the ServiceAccount watch has synced).
Manifests to install it in a cluster: deploy/ (see docs/webhook.md).

Options:
  --tls-cert FILE                         serving certificate (PEM, chain allowed); re-read when it changes
  --tls-key FILE                          its private key (PEM)
  --kubeconfig FILE                       API server credentials (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --host HOST                             address to listen on (default: 0.0.0.0)
  --port N                                HTTPS port (default: 8443; 0 picks a free port)
  --annotation-prefix P                   prefix of SA and pod annotations (default: eks.amazonaws.com)
  --token-audience AUD                    default token audience (default: sts.amazonaws.com)
  --token-mount-path DIR                  token mount path (default: /var/run/secrets/eks.amazonaws.com/serviceaccount)
  --token-expiration SECONDS              default token lifetime, at least 600 (default: 86400)
  --aws-default-region REGION             inject AWS_REGION and AWS_DEFAULT_REGION (default: none)
  --sts-regional-endpoint[=BOOL]          inject AWS_STS_REGIONAL_ENDPOINTS=regional by default (default: false)
  --service-account-lookup-grace-period D after a miss and a GET that finds nothing, wait this long for the
                                          watch to deliver the ServiceAccount, e.g. 500ms (default: 0)
  --watch-config-map[=BOOL]               also read "ns/name" mappings from ConfigMap pod-identity-webhook
  --namespace NS                          namespace of that ConfigMap (default: eks)
  --watch-container-credentials-config FILE
                                          JSON {"identities":[{"namespace","serviceAccount"}]} for EKS Pod Identity
  --container-credentials-audience AUD    (default: pods.eks.amazonaws.com)
  --container-credentials-token-mount-path DIR
                                          (default: /var/run/secrets/pods.eks.amazonaws.com/serviceaccount)
  --container-credentials-token-volume-name NAME   (default: eks-pod-identity-token)
  --container-credentials-token-path NAME          (default: eks-pod-identity-token)
  --container-credentials-full-uri URI    (default: http://169.254.170.23/v1/credentials)
  --fs-group GID                          set the pod's securityContext.fsGroup when it has none, so non-root
                                          containers can read the token (SA/pod annotation eks.amazonaws.com/fs-group wins)
  --quiet                                 no per-request log
  -h, --help                              show this help

Example:
  irsa webhook --tls-cert tls.crt --tls-key tls.key --kubeconfig ~/.kube/config --port 8443`;

const OPTIONS = {
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  kubeconfig: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'annotation-prefix': { type: 'string' },
  'token-audience': { type: 'string' },
  'token-mount-path': { type: 'string' },
  'token-expiration': { type: 'string' },
  'aws-default-region': { type: 'string' },
  'sts-regional-endpoint': { type: 'boolean' },
  'service-account-lookup-grace-period': { type: 'string' },
  'watch-config-map': { type: 'boolean' },
  namespace: { type: 'string' },
  'watch-container-credentials-config': { type: 'string' },
  'container-credentials-audience': { type: 'string' },
  'container-credentials-token-mount-path': { type: 'string' },
  'container-credentials-token-volume-name': { type: 'string' },
  'container-credentials-token-path': { type: 'string' },
  'container-credentials-full-uri': { type: 'string' },
  'fs-group': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const BOOLEAN_FLAGS = ['sts-regional-endpoint', 'watch-config-map'];

/** Go's flag package accepts `--flag=false`; node:util parseArgs does not, so rewrite those first. */
function goBooleans(argv: string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const m = /^--([\w-]+)=(.*)$/.exec(arg);
    if (m && BOOLEAN_FLAGS.includes(m[1] as string)) {
      const v = parseGoBool(m[2] as string);
      if (v === undefined) throw new UsageError(`--${m[1]}: \`${m[2]}\` is not a boolean`);
      if (v) out.push(`--${m[1]}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

export interface RunningWebhook {
  readonly url: string;
  readonly port: number;
  readonly apiServer: string;
  ready(): boolean;
  whenSynced(): Promise<void>;
  /** The ServiceAccount as the informer cache holds it (diagnostics and tests). */
  cached(namespace: string, name: string): KubeObject | undefined;
  close(): Promise<void>;
}

/** Starts `irsa webhook` from its arguments; undefined when only help was asked for. */
export async function startWebhook(argv: string[], io: { log?: (line: string) => void } = {}): Promise<RunningWebhook | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: goBooleans(argv), options: OPTIONS }));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values['help']) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const certFile = str('tls-cert');
  const keyFile = str('tls-key');
  if (!certFile || !keyFile) throw new UsageError(`--tls-cert and --tls-key are required\n\n${HELP}`);
  const port = str('port') === undefined ? 8443 : Number(str('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: \`${String(str('port'))}\` is not a port number`);
  const expiration = str('token-expiration') === undefined ? undefined : parseGoInt64(str('token-expiration') as string);
  if (str('token-expiration') !== undefined && expiration === undefined) throw new UsageError(`--token-expiration: \`${String(str('token-expiration'))}\` is not a number of seconds`);
  const graceMs = str('service-account-lookup-grace-period') === undefined ? 0 : parseGoDurationMs(str('service-account-lookup-grace-period') as string);
  if (graceMs === undefined || graceMs < 0) throw new UsageError(`--service-account-lookup-grace-period: \`${String(str('service-account-lookup-grace-period'))}\` is not a duration such as 500ms or 2s`);
  const fsGroup = str('fs-group') === undefined ? undefined : parseGroupId(str('fs-group'));
  if (str('fs-group') !== undefined && fsGroup === undefined) throw new UsageError(`--fs-group: \`${String(str('fs-group'))}\` is not a group id (0…2147483647)`);

  const settings = webhookSettings({
    annotationPrefix: str('annotation-prefix'),
    audience: str('token-audience'),
    mountPath: str('token-mount-path'),
    tokenExpiration: expiration,
    region: str('aws-default-region'),
    regionalSts: values['sts-regional-endpoint'] === true,
    fsGroup,
    containerCredentials: {
      audience: str('container-credentials-audience'),
      mountPath: str('container-credentials-token-mount-path'),
      volumeName: str('container-credentials-token-volume-name'),
      tokenPath: str('container-credentials-token-path'),
      fullUri: str('container-credentials-full-uri'),
    },
  });
  let tls: { cert: Buffer; key: Buffer };
  try {
    tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (e) {
    throw new ExitError(`cannot read the TLS certificate or key: ${(e as Error).message}`, 1);
  }
  const logger = stderrLogger(false);
  const log = io.log ?? ((line: string) => logger.info(line));
  const quiet = values['quiet'] === true;

  let kc: ReturnType<typeof loadKubeConfig>;
  try {
    kc = loadKubeConfig(str('kubeconfig'));
  } catch (e) {
    throw new ExitError(`cannot load the Kubernetes API configuration: ${(e as Error).message}`, 1);
  }
  const cache = new ServiceAccountCache({ fetch: liveServiceAccounts(kc), graceMs, annotationPrefix: settings.annotationPrefix });
  const watchers: Watcher[] = [];
  const saWatch = watchServiceAccounts(kc, {
    upsert: (sa) => cache.upsert(sa),
    remove: (sa) => cache.remove(sa.metadata?.namespace ?? '', sa.metadata?.name ?? ''),
    log,
  });
  watchers.push(saWatch);

  let mappings = new Map<string, ConfigMapEntry>();
  if (values['watch-config-map']) {
    const namespace = str('namespace') ?? DEFAULT_CONFIG_MAP_NAMESPACE;
    watchers.push(
      watchConfigMap(
        kc,
        namespace,
        CONFIG_MAP_NAME,
        (data) => {
          try {
            mappings = data === undefined ? new Map() : parseConfigMapMappings(data[CONFIG_MAP_KEY] ?? '{}', settings);
            log(`configmap ${namespace}/${CONFIG_MAP_NAME}: ${mappings.size} mapping(s)`);
          } catch (e) {
            log(`configmap ${namespace}/${CONFIG_MAP_NAME}: keeping the previous mappings, \`${CONFIG_MAP_KEY}\` is malformed: ${(e as Error).message}`);
          }
        },
        log,
      ),
    );
  }
  const identitiesPath = str('watch-container-credentials-config');
  const identities: IdentitiesFile | undefined = identitiesPath ? watchIdentitiesFile(identitiesPath, log) : undefined;

  const webhook = createPodIdentityWebhook({
    settings,
    sources: {
      serviceAccounts: cache,
      configMap: (key) => mappings.get(key),
      ...(identities ? { containerCredentials: (ns: string, sa: string) => identities.has(ns, sa) } : {}),
    },
    randomInt: (n) => randomInt(n),
    log: quiet ? undefined : log,
  });
  let server: Awaited<ReturnType<typeof startWebhookServer>>;
  try {
    server = await startWebhookServer({ handle: (r) => webhook.handle(r), tls, host: str('host'), port, ready: () => saWatch.synced, log: quiet ? undefined : log });
  } catch (e) {
    await Promise.all(watchers.map((w) => w.stop()));
    identities?.close();
    throw new ExitError(`cannot listen: ${(e as Error).message}`, 1);
  }
  const stopTlsWatch = watchTlsFiles(certFile, keyFile, (m) => server.setTls(m), log);
  return {
    url: server.url,
    port: server.port,
    apiServer: apiServerUrl(kc),
    ready: () => saWatch.synced,
    whenSynced: () => saWatch.whenSynced(),
    cached: (namespace, name) => cache.peek(namespace, name),
    async close() {
      stopTlsWatch();
      identities?.close();
      await server.close();
      await Promise.all(watchers.map((w) => w.stop()));
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const running = await startWebhook(argv);
  if (!running) return 0;
  process.stdout.write(`irsa webhook is up: ${running.url}/mutate (health: /healthz, readiness: /readyz), Kubernetes API ${running.apiServer}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`irsa webhook: ${signal}, shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await running.close();
  return 0;
}
