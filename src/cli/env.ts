import { parseArgs } from 'node:util';
import { clientEnvironment } from '../server/client-env.js';
import { defaultDataDir } from '../server/data-dir.js';
import { ExitError, UsageError } from './errors.js';

const HELP = `Usage: irsa env [--data-dir DIR] [--store STORE] [--data-key-file FILE]

Prints shell \`export\` lines that point AWS clients at irsa-local as its bootstrap administrator:
AWS_ENDPOINT_URL, AWS_REGION, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and
KUBECONFIG for kubectl.
Use it with: eval "$(irsa env)"

Options:
  --data-dir DIR   data directory (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  --store STORE    the store \`irsa up\` uses (default: $IRSA_STORE, else sqlite:DIR); with
                   postgres://… the endpoint is the stored --public-url (or the first replica's)
  --data-key-file FILE
                   the data key for a PostgreSQL store (default: $IRSA_DATA_KEY)
  -h, --help       show this help`;

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, store: { type: 'string' }, 'data-key-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values['help']) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const env = await clientEnvironment((values['data-dir'] as string | undefined) ?? defaultDataDir(), {
    store: (values['store'] as string | undefined) ?? (process.env['IRSA_STORE'] || undefined),
    dataKey: { file: values['data-key-file'] as string | undefined, env: process.env['IRSA_DATA_KEY'] },
  });
  if (typeof env === 'string') throw new ExitError(env, 1);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  process.stdout.write(
    [
      `export AWS_ENDPOINT_URL=${q(env.endpoint)}`,
      `export AWS_REGION=${q(env.region)}`,
      `export AWS_DEFAULT_REGION=${q(env.region)}`,
      `export AWS_ACCESS_KEY_ID=${q(env.accessKeyId)}`,
      `export AWS_SECRET_ACCESS_KEY=${q(env.secretAccessKey)}`,
      ...(env.kubeconfig ? [`export KUBECONFIG=${q(env.kubeconfig)}`] : []),
      'unset AWS_SESSION_TOKEN AWS_PROFILE',
      '',
    ].join('\n'),
  );
  return 0;
}
