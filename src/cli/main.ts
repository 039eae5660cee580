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
