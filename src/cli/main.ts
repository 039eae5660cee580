/**
 * The `irsa` command: one declarative table, each command in its own lazily imported file, and one
 * error boundary. Results go to stdout; progress, warnings and errors to stderr.
 */
import { UsageError, ExitError } from './errors.js';

export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly example: string;
  readonly load: () => Promise<CommandModule>;
}

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'up',
    summary: 'Start irsa-local: IAM and STS on one AWS-compatible endpoint, state in a data directory',
    example: 'irsa up --data-dir /tmp/irsa',
    load: () => import('./up.js'),
  },
  {
    name: 'env',
    summary: 'Print export lines that point aws, boto3 and the JS SDK at irsa-local as its administrator',
    example: 'eval "$(irsa env)"',
    load: () => import('./env.js'),
  },
  {
    name: 'create',
    summary: 'create iamserviceaccount: an IAM role trusted by a ServiceAccount, attached policies, the annotated SA (as eksctl)',
    example: 'irsa create iamserviceaccount --name my-sa --namespace demo --cluster local --attach-policy-arn ARN --approve',
    load: async () => (await import('./iamserviceaccount.js')).create,
  },
  {
    name: 'get',
    summary: 'get iamserviceaccount: ServiceAccounts with IAM roles in a cluster (as eksctl)',
    example: 'irsa get iamserviceaccount --cluster local',
    load: async () => (await import('./iamserviceaccount.js')).get,
  },
  {
    name: 'delete',
    summary: 'delete iamserviceaccount: the ServiceAccount and the role created for it (as eksctl)',
    example: 'irsa delete iamserviceaccount --name my-sa --namespace demo --cluster local --approve',
    load: async () => (await import('./iamserviceaccount.js')).del,
  },
  {
    name: 'utils',
    summary: 'utils associate-iam-oidc-provider: register a cluster\'s issuer as an IAM OIDC provider (as eksctl)',
    example: 'irsa utils associate-iam-oidc-provider --cluster local --approve',
    load: () => import('./utils.js'),
  },
  {
    name: 'exec',
    summary: "Run a command as a pod's container would: its env, projected tokens, AWS_ENDPOINT_URL",
    example: 'irsa exec -n demo app -- aws sts get-caller-identity',
    load: () => import('./exec.js'),
  },
  {
    name: 'webhook',
    summary: 'Run the pod identity webhook over HTTPS for a real cluster (AdmissionReview at /mutate)',
    example: 'irsa webhook --tls-cert tls.crt --tls-key tls.key',
    load: () => import('./webhook.js'),
  },
  {
    name: 'explain',
    summary: "Why can (or can't) a pod do X? The IRSA chain link by link, with the fix",
    example: 'irsa explain --pod weasel/app --action s3:ListBucket --resource arn:aws:s3:::weasel-images',
    load: async () => (await import('./explain.js')).explainCommand,
  },
  {
    name: 'doctor',
    summary: 'Check every IRSA link of every annotated ServiceAccount; non-zero exit when broken',
    example: 'irsa doctor --namespace weasel',
    load: async () => (await import('./explain.js')).doctorCommand,
  },
  {
    name: 'analyze',
    summary: 'What-if, offline: --can NS/SA ACTION RESOURCE / --who-can over an exported account and manifests',
    example: 'irsa analyze --account-details details.json --manifests k8s/ --issuer URL --who-can s3:GetObject arn:aws:s3:::b/k',
    load: () => import('./analyze.js'),
  },
  {
    name: 'migrate',
    summary: 'Copy an embedded (SQLite) installation into an empty PostgreSQL database for replicas',
    example: 'irsa migrate --from sqlite:~/.irsa-local --to postgres://irsa@db:5432/irsa',
    load: () => import('./migrate.js'),
  },
  {
    name: 'simulate',
    summary: 'Decide IAM requests as AWS does, with the reasons (JSON or JSON Lines in, JSON Lines out)',
    example: 'irsa simulate examples/walkthrough-s3.json --explain',
    load: () => import('./simulate.js'),
  },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  e.g. ${c.example}`);
  return `irsa — AWS IRSA (IAM Roles for Service Accounts) on one machine\n\nUsage: irsa <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`irsa <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  // `irsa … | head`: a reader that goes away ends the output, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) {
    process.stderr.write(`irsa: unknown command \`${name}\`\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await spec.load()).run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`irsa ${name}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ExitError) {
      process.stderr.write(`irsa ${name}: ${e.message}\n`);
      return e.code;
    }
    process.stderr.write(`irsa ${name}: internal error (a bug): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}
