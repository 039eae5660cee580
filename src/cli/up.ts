import { parseArgs } from 'node:util';
import { startServer } from '../server/app.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../server/data-dir.js';
import { stderrLogger } from '../server/log.js';
import type { BedrockOptions } from '../server/bedrock-endpoint.js';
import { StoreConfigError, parseStoreLocation } from '../server/store-config.js';
import { StoreError } from '../store/store.js';
import { ExitError, UsageError } from './errors.js';

const HELP = `Usage: irsa up [options]

Starts irsa-local in this process: IAM, STS, EKS, S3, Secrets Manager and Bedrock on one
AWS-compatible endpoint (every request signed and authorized by IAM policy), and for each
local EKS cluster a Kubernetes API (kubectl works against it) with the pod identity webhook and a
ServiceAccount token issuer served over HTTPS; state in the embedded store (SQLite) in the data
directory. Prints where it listens and how to point clients at it;
stops cleanly on Ctrl-C (SIGINT) or SIGTERM. Restarting on the same data directory keeps
everything.

Options:
  --data-dir DIR   data directory (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  --store STORE    where state lives (default: $IRSA_STORE, else sqlite:DIR): sqlite:DIR, or
                   postgres://USER:PASSWORD@HOST:PORT/DB, shared by any number of replicas
                   (docs/scale-out.md); the URL is never printed
  --data-key-file FILE
                   the key that seals secrets at rest (base64 of 32 bytes; else $IRSA_DATA_KEY);
                   required with PostgreSQL and the same for every replica; SQLite keeps DIR/data.key
  --issuer-url URL the clusters' issuer address as clients and STS reach it, https://HOST[:PORT]
                   (a load balancer in front of replicas); stored, so replicas without it agree
  --public-url URL the AWS endpoint \`irsa env\` prints (a load balancer); stored like --issuer-url
  --host HOST      address to listen on (default: 127.0.0.1)
  --port N         port for the AWS endpoint (default: 4566; 0 picks a free port)
  --kube-port N    port of the (first) cluster's Kubernetes API, plain HTTP (default: 6443;
                   0 picks a free port); further clusters take free ports
  --oidc-port N    HTTPS port of the clusters' OIDC issuer (default: 4443 on first start, then the
                   port chosen then, so issuer URLs stay valid; 0 picks a free port)
  --cluster NAME   a local EKS cluster to run; repeat for more (default: local)
  --account ID     12-digit account id, on first start only (default: 123456789012)
  --region NAME    region printed for clients (default: us-east-1)
  --bedrock-backend URL
                   answer Bedrock InvokeModel/Converse from an OpenAI-compatible API
                   (POST URL/chat/completions, e.g. http://127.0.0.1:11434/v1); default: the
                   built-in deterministic local model
  --bedrock-backend-key KEY
                   bearer token for that API (better: $IRSA_BEDROCK_BACKEND_KEY, which stays out
                   of the process list)
  --bedrock-backend-model [MODEL_ID=]NAME
                   backend model to send: for every Bedrock model, or for one model id; repeat
                   (default: the Bedrock model id itself)
  --bedrock-backend-timeout SECONDS
                   how long to wait for the backend's answer (default: 60)
  --quiet          no request log
  -h, --help       show this help

Example:
  irsa up --data-dir /tmp/irsa &
  eval "$(irsa env --data-dir /tmp/irsa)"
  aws sts get-caller-identity`;

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'oidc-port': { type: 'string' },
        'kube-port': { type: 'string' },
        cluster: { type: 'string', multiple: true },
        account: { type: 'string' },
        region: { type: 'string' },
        store: { type: 'string' },
        'data-key-file': { type: 'string' },
        'issuer-url': { type: 'string' },
        'public-url': { type: 'string' },
        'bedrock-backend': { type: 'string' },
        'bedrock-backend-key': { type: 'string' },
        'bedrock-backend-model': { type: 'string', multiple: true },
        'bedrock-backend-timeout': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values['help']) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const port = values['port'] === undefined ? 4566 : Number(values['port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: \`${String(values['port'])}\` is not a port number`);
  const oidcPort = values['oidc-port'] === undefined ? undefined : Number(values['oidc-port']);
  if (oidcPort !== undefined && (!Number.isInteger(oidcPort) || oidcPort < 0 || oidcPort > 65535)) throw new UsageError(`--oidc-port: \`${String(values['oidc-port'])}\` is not a port number`);
  const kubePort = values['kube-port'] === undefined ? undefined : Number(values['kube-port']);
  if (kubePort !== undefined && (!Number.isInteger(kubePort) || kubePort < 0 || kubePort > 65535)) throw new UsageError(`--kube-port: \`${String(values['kube-port'])}\` is not a port number`);
  const clusters = (values['cluster'] as string[] | undefined) ?? [];
  for (const c of clusters) if (!/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(c)) throw new UsageError(`--cluster: \`${c}\` is not a valid cluster name`);
  const account = values['account'] as string | undefined;
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new UsageError('--account must be 12 digits');
  const storeSpec = (values['store'] as string | undefined) ?? (process.env['IRSA_STORE'] || undefined);
  let location;
  try {
    location = parseStoreLocation(storeSpec, (values['data-dir'] as string | undefined) ?? defaultDataDir());
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (location.kind === 'sqlite' && values['data-dir'] !== undefined && storeSpec !== undefined && location.dir !== resolve(values['data-dir'] as string)) {
    throw new UsageError('--store sqlite:DIR and --data-dir name different directories: give one of them');
  }
  const dataDir = location.kind === 'sqlite' ? location.dir : ((values['data-dir'] as string | undefined) ?? defaultDataDir());
  const issuerUrl = baseUrl('--issuer-url', values['issuer-url'] as string | undefined, ['https:']);
  const publicUrl = baseUrl('--public-url', values['public-url'] as string | undefined, ['http:', 'https:']);
  const bedrock = bedrockOptions(values);
  const server = await startServer({
    store: storeSpec,
    dataKey: { file: values['data-key-file'] as string | undefined, env: process.env['IRSA_DATA_KEY'] },
    issuerUrl,
    publicUrl,
    dataDir,
    host: values['host'] as string | undefined,
    port,
    account,
    region: values['region'] as string | undefined,
    log: stderrLogger(values['quiet'] === true),
    // Replicas each take their own issuer port (4443 by default); the issuer URL they share is stored.
    oidcPort: oidcPort ?? (location.kind === 'postgres' || firstStart(dataDir) ? 4443 : undefined),
    clusters,
    kubePort,
    bedrock,
  }).catch((e: unknown) => {
    // A bad or mismatched data key, an unreachable database: told plainly (never the URL), exit 1.
    if (e instanceof StoreConfigError || e instanceof StoreError) throw new ExitError(e.message, 1);
    throw e;
  });
  const envCmd =
    location.kind === 'postgres' ? 'IRSA_DATA_KEY=… irsa env --store "$IRSA_STORE"' : `irsa env${values['data-dir'] || storeSpec ? ` --data-dir ${dataDir}` : ''}`;
  process.stdout.write(
    [
      `irsa-local is up (account ${server.account}, store ${location.kind === 'postgres' ? server.storeDescription : `${server.store.backend} in ${dataDir}`})`,
      `  AWS endpoint (IAM, STS, EKS, S3, Secrets Manager, Bedrock): ${server.url}`,
      ...(server.publicUrl !== server.url ? [`  public AWS endpoint:     ${server.publicUrl}`] : []),
      ...[...server.clusters].map(([name, c]) => `  cluster ${name}: Kubernetes API ${c.kubeUrl}, OIDC issuer ${c.issuerUrl}`),
      `  kubeconfig:              ${server.kubeconfig}`,
      `  health:                  ${server.url}/_irsa/health`,
      `  Bedrock answers from:    ${bedrock?.backendUrl ? withoutUserinfo(bedrock.backendUrl) : 'the built-in local model (deterministic, no LLM)'}`,
      '',
      'Point clients at it:',
      `  eval "$(${envCmd})"`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`irsa up: ${signal}, shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await server.close();
  return 0;
}

/** `--issuer-url` / `--public-url`: scheme://host[:port], nothing else (no path, query or credentials). */
function baseUrl(flag: string, value: string | undefined, schemes: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${flag}: \`${value}\` is not a URL`);
  }
  if (!schemes.includes(u.protocol)) throw new UsageError(`${flag} must be ${schemes.map((s) => `${s}//HOST[:PORT]`).join(' or ')}`);
  if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) throw new UsageError(`${flag} must be scheme://HOST[:PORT] with no path, query or credentials`);
  return `${u.protocol}//${u.host}`;
}

/** A URL as it may be printed: credentials in it (`http://user:key@host`) are not. */
function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(an invalid URL)';
  }
}

function firstStart(dir: string): boolean {
  return !existsSync(join(dir, 'store.db'));
}

/** `--bedrock-backend*` flags (and IRSA_BEDROCK_BACKEND_KEY) as the server's Bedrock options. */
function bedrockOptions(values: Record<string, string | boolean | string[] | undefined>): BedrockOptions | undefined {
  const url = values['bedrock-backend'] as string | undefined;
  const models = (values['bedrock-backend-model'] as string[] | undefined) ?? [];
  const timeout = values['bedrock-backend-timeout'] as string | undefined;
  if (url === undefined) {
    if (values['bedrock-backend-key'] !== undefined || models.length || timeout !== undefined) throw new UsageError('--bedrock-backend-key, --bedrock-backend-model and --bedrock-backend-timeout need --bedrock-backend URL');
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--bedrock-backend: \`${url}\` is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--bedrock-backend: the URL must be http:// or https://');
  if (parsed.username || parsed.password) throw new UsageError('--bedrock-backend: put credentials in --bedrock-backend-key or $IRSA_BEDROCK_BACKEND_KEY, not in the URL');
  const timeoutSeconds = timeout === undefined ? undefined : Number(timeout);
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 3600)) throw new UsageError(`--bedrock-backend-timeout: \`${String(timeout)}\` is not a number of seconds (0 < s <= 3600)`);
  let backendModel: string | undefined;
  const backendModels = new Map<string, string>();
  for (const m of models) {
    const eq = m.indexOf('=');
    if (eq < 0) backendModel = m;
    else if (eq > 0 && eq < m.length - 1) backendModels.set(m.slice(0, eq), m.slice(eq + 1));
    else throw new UsageError(`--bedrock-backend-model: \`${m}\` is not NAME or MODEL_ID=NAME`);
  }
  return {
    backendUrl: url,
    backendKey: (values['bedrock-backend-key'] as string | undefined) ?? process.env['IRSA_BEDROCK_BACKEND_KEY'],
    backendModel,
    backendModels,
    timeoutMs: timeoutSeconds === undefined ? undefined : Math.round(timeoutSeconds * 1000),
  };
}
