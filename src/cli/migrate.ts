import { commandArgs } from './args.js';
import { ExitError, UsageError } from './errors.js';

const HELP = `Usage: irsa migrate --from sqlite:DIR --to postgres://USER@HOST:PORT/DB

Copies an embedded installation (its SQLite store: accounts, IAM, STS and issuer keys, clusters,
Kubernetes objects, S3 metadata, secrets, the decision log) into an empty PostgreSQL database, so
replicas can take over with \`irsa up --store postgres://…\`. Documents are copied as they are —
still sealed with the installation's data key — and counted on both sides afterwards. Start the
replicas with that key (--data-key-file DIR/data.key, or IRSA_DATA_KEY). Stop \`irsa up\` on DIR
first: a running server may write while the copy runs.

Options:
  --from sqlite:DIR   the data directory of the embedded installation
  --to URL            a PostgreSQL connection string (the database must hold no installation)
  -h, --help`;

export async function run(argv: string[]): Promise<number> {
  const args = commandArgs(argv, { from: { type: 'string' }, to: { type: 'string' } }, HELP);
  if (!args) return 0;
  const from = args.values['from'] as string | undefined;
  const to = args.values['to'] as string | undefined;
  if (!from || !from.startsWith('sqlite:') || from.length <= 'sqlite:'.length) throw new UsageError(`--from takes sqlite:DIR\n\n${HELP}`);
  if (!to || !/^postgres(ql)?:\/\//.test(to)) throw new UsageError(`--to takes a postgres:// connection string\n\n${HELP}`);
  const { migrateToPostgres, MigrationError } = await import('../server/migrate.js');
  const started = Date.now();
  try {
    let last = 0;
    const r = await migrateToPostgres(from.slice('sqlite:'.length), to, (done, total) => {
      if (Date.now() - last < 500 && done < total) return;
      last = Date.now();
      process.stderr.write(`irsa migrate: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} documents\n`);
    });
    process.stdout.write(
      `copied ${r.documents.toLocaleString('en-US')} documents (${r.kinds} kinds) and ${r.blobs} S3 object blobs (${(r.blobBytes / 1048576).toFixed(1)} MiB) in ${Date.now() - started} ms\n` +
        `start the replicas with the installation's data key: irsa up --store <URL> --data-key-file ${r.dataKeyFile}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof MigrationError) throw new ExitError(e.message, 1);
    throw new ExitError(e instanceof Error ? e.message : String(e), 1);
  }
}
