import { parseArgs } from 'node:util';
import { startServer } from '../server/app.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../server/data-dir.js';
import { stderrLogger } from '../server/log.js';
import { UsageError } from './errors.js';

const HELP = `Usage: irsa up [options]

Starts irsa-local in this process: IAM, STS and EKS on one AWS-compatible endpoint, and for each
local EKS cluster a Kubernetes API (kubectl works against it) with the pod identity webhook and a
ServiceAccount token issuer served over HTTPS; state in the embedded store (SQLite) in the data
directory. Prints where it listens and how to point clients at it;
stops cleanly on Ctrl-C (SIGINT) or SIGTERM. Restarting on the same data directory keeps
everything.

Options:
  --data-dir DIR   data directory (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  --host HOST      address to listen on (default: 127.0.0.1)
  --port N         port for the AWS endpoint (default: 4566; 0 picks a free port)
  --kube-port N    port of the (first) cluster's Kubernetes API, plain HTTP (default: 6443;
                   0 picks a free port); further clusters take free ports
  --oidc-port N    HTTPS port of the clusters' OIDC issuer (default: 4443 on first start, then the
                   port chosen then, so issuer URLs stay valid; 0 picks a free port)
  --cluster NAME   a local EKS cluster to run; repeat for more (default: local)
  --account ID     12-digit account id, on first start only (default: 123456789012)
  --region NAME    region printed for clients (default: us-east-1)
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
  const dataDir = (values['data-dir'] as string | undefined) ?? defaultDataDir();
  const server = await startServer({
    dataDir,
    host: values['host'] as string | undefined,
    port,
    account,
    region: values['region'] as string | undefined,
    log: stderrLogger(values['quiet'] === true),
    oidcPort: oidcPort ?? (firstStart(dataDir) ? 4443 : undefined),
    clusters,
    kubePort,
  });
  const envCmd = `irsa env${values['data-dir'] ? ` --data-dir ${dataDir}` : ''}`;
  process.stdout.write(
    [
      `irsa-local is up (account ${server.account}, store ${server.store.backend} in ${dataDir})`,
      `  AWS endpoint (IAM, STS, EKS): ${server.url}`,
      ...[...server.clusters].map(([name, c]) => `  cluster ${name}: Kubernetes API ${c.kubeUrl}, OIDC issuer ${c.issuerUrl}`),
      `  kubeconfig:              ${server.kubeconfig}`,
      `  health:                  ${server.url}/_irsa/health`,
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

function firstStart(dir: string): boolean {
  return !existsSync(join(dir, 'store.db'));
}
