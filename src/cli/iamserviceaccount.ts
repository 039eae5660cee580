/**
 * `irsa create|get|delete iamserviceaccount`: eksctl's commands of the same names and flags, as
 * clients of irsa-local's IAM and EKS APIs (AWS SDK) and of its Kubernetes API (kubeconfig).
 * Progress lines go to stderr in eksctl's format; results (a role ARN, the listing) to stdout.
 *
 * main.ts registers `create`, `get` and `delete` with `create`, `get` and `del` below (each a
 * command module whose argv starts with the subcommand `iamserviceaccount`); `run(argv)` takes
 * the verb first: `run(['create', 'iamserviceaccount', '--cluster', …])`.
 */
import { clientEnvironment } from '../server/client-env.js';
import { defaultDataDir } from '../server/data-dir.js';
import type { AwsClientConfig } from '../eksctl/aws-clients.js';
import { createIamServiceAccount } from '../eksctl/create.js';
import { deleteIamServiceAccount } from '../eksctl/delete.js';
import { FlagError, mustBeSet, nameFrom, parseFlags, str, stringSlice, tagsFlag, type Parsed } from '../eksctl/flags.js';
import { formatIamServiceAccounts, getIamServiceAccounts, type OutputFormat } from '../eksctl/get.js';
import { streamLogger, type Logger } from '../eksctl/logger.js';
import { EksctlError } from '../eksctl/ports.js';
import { openSession, type Session } from '../eksctl/session.js';
import { ExitError, UsageError } from './errors.js';

const COMMON_FLAGS = `  --cluster NAME        name of the EKS cluster (required)
  --region NAME         AWS region (default: the region of irsa-local's endpoint)
  --data-dir DIR        irsa-local data directory: AWS endpoint, credentials and kubeconfig
                        (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  --kubeconfig FILE     kubeconfig to reach the cluster (default: $KUBECONFIG, else DIR/kubeconfig)
  -h, --help            show this help`;

const HELP = {
  create: `Usage: irsa create iamserviceaccount --cluster NAME --name SA [--namespace NS] --attach-policy-arn ARN... [--approve]

Create an iamserviceaccount - AWS IAM role bound to a Kubernetes service account (as eksctl does).
Without --approve, only prints the plan.

Options:
  --name SA                             name of the iamserviceaccount to create
  --namespace NS                        namespace where to create the iamserviceaccount (default: default)
  --attach-policy-arn ARN               ARN of a policy to attach; repeat or comma-separate for more
  --role-name NAME                      name of the IAM role (default: generated as eksctl's
                                        CloudFormation names it: eksctl-CLUSTER-addon-iamserviceaccount-…-Role1-…)
  --role-only                           create only the role, not the Kubernetes service account
  --override-existing-serviceaccounts   create IAM roles for existing serviceaccounts and update the serviceaccount
  --tags k1=v1,k2=v2                    tags for the IAM role
  --approve                             apply the changes
${COMMON_FLAGS}

Example:
  irsa create iamserviceaccount --name weasel-eks-pod-sa --namespace weasel --cluster weasel-eks \\
    --role-name weasel-eks-pod-role --attach-policy-arn arn:aws:iam::123456789012:policy/weasel-eks-pod-policy --approve`,
  get: `Usage: irsa get iamserviceaccount --cluster NAME [--namespace NS] [--name SA] [-o table|json|yaml]

Get iamserviceaccount(s): the ServiceAccounts annotated with eks.amazonaws.com/role-arn and the
roles made for them.

Options:
  --name SA              name of the iamserviceaccount
  --namespace NS         namespace where to retrieve the iamserviceaccount (default with --name: default)
  -o, --output FORMAT    table (default), json or yaml
${COMMON_FLAGS}`,
  delete: `Usage: irsa delete iamserviceaccount --cluster NAME --name SA [--namespace NS]

Delete an IAM service account: the IAM role created for it (policies detached first) and the
Kubernetes service account if eksctl/irsa created it (label app.kubernetes.io/managed-by=eksctl).
Like eksctl's delete by name, it acts at once; --approve is accepted and changes nothing.

Options:
  --name SA              name of the iamserviceaccount to delete
  --namespace NS         namespace where to delete the iamserviceaccount (default: default)
  --approve              accepted for compatibility
${COMMON_FLAGS}`,
} as const;

type Verb = keyof typeof HELP;

const COMMON_OPTIONS = {
  cluster: { type: 'string' },
  region: { type: 'string' },
  'data-dir': { type: 'string' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTIONS = {
  create: {
    ...COMMON_OPTIONS,
    name: { type: 'string' },
    namespace: { type: 'string' },
    'attach-policy-arn': { type: 'string', multiple: true },
    'role-name': { type: 'string' },
    'role-only': { type: 'boolean' },
    'override-existing-serviceaccounts': { type: 'boolean' },
    tags: { type: 'string', multiple: true },
    approve: { type: 'boolean' },
  },
  get: { ...COMMON_OPTIONS, name: { type: 'string' }, namespace: { type: 'string' }, output: { type: 'string', short: 'o' } },
  delete: { ...COMMON_OPTIONS, name: { type: 'string' }, namespace: { type: 'string' }, approve: { type: 'boolean' }, wait: { type: 'boolean' } },
} as const;

/** What the eksctl commands need from a data directory: its endpoint and administrator (as `irsa env` prints them). */
export async function awsConfigFor(dataDir: string, region: string | undefined): Promise<AwsClientConfig> {
  const env = await clientEnvironment(dataDir);
  if (typeof env === 'string') throw new ExitError(env, 1);
  return { endpoint: env.endpoint, region: region ?? env.region, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
}

export function stderrLogger(): Logger {
  return streamLogger((s) => process.stderr.write(s));
}

/** Turns the eksctl layer's errors into the CLI's: a flag problem exits 2, a refused or failed command 1. */
export async function asCommand(help: string, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof FlagError) throw new UsageError(`${e.message}\n\n${help}`);
    if (e instanceof EksctlError) throw new ExitError(e.message, 1);
    throw e;
  }
}

async function session(p: Parsed, log: Logger): Promise<Session> {
  const dataDir = str(p.values['data-dir']) ?? defaultDataDir();
  return openSession(await awsConfigFor(dataDir, str(p.values['region'])), { dataDir, kubeconfig: str(p.values['kubeconfig']), log });
}

function requireSubcommand(verb: Verb, argv: readonly string[]): string[] {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    if (sub === undefined) throw new UsageError(`a resource is required: irsa ${verb} iamserviceaccount\n\n${HELP[verb]}`);
    return ['--help'];
  }
  if (sub !== 'iamserviceaccount' && sub !== 'iamserviceaccounts') throw new UsageError(`unknown resource \`${sub}\`: irsa ${verb} supports iamserviceaccount\n\n${HELP[verb]}`);
  return rest;
}

async function runCreate(argv: readonly string[]): Promise<number> {
  const p = parseFlags(argv, OPTIONS.create);
  if (p.values['help']) return help('create');
  const cluster = str(p.values['cluster']);
  if (!cluster) throw mustBeSet('--cluster');
  const name = nameFrom('--name', str(p.values['name']), p.positionals);
  if (!name) throw mustBeSet('--name');
  const policyArns = stringSlice(p.values['attach-policy-arn']);
  if (policyArns.length === 0) throw mustBeSet('--attach-policy-arn');
  const tags = tagsFlag(p.values['tags']);
  const log = stderrLogger();
  const s = await session(p, log);
  const result = await createIamServiceAccount(
    { eks: s.eks, iam: s.iam, kube: s.kube, log, suffix: s.suffix },
    {
      cluster,
      region: s.region,
      namespace: str(p.values['namespace']) ?? 'default',
      name,
      roleName: str(p.values['role-name']),
      policyArns,
      tags,
      overrideExisting: p.values['override-existing-serviceaccounts'] === true,
      roleOnly: p.values['role-only'] === true,
      approve: p.values['approve'] === true,
    },
  );
  if (result.outcome === 'created' && result.roleArn) process.stdout.write(`${result.roleArn}\n`);
  return 0;
}

async function runGet(argv: readonly string[]): Promise<number> {
  const p = parseFlags(argv, OPTIONS.get);
  if (p.values['help']) return help('get');
  const cluster = str(p.values['cluster']);
  if (!cluster) throw mustBeSet('--cluster');
  const output = (str(p.values['output']) ?? 'table') as OutputFormat;
  if (!['table', 'json', 'yaml'].includes(output)) throw new FlagError(`unknown output printer type: ${output}`);
  const log = stderrLogger();
  const s = await session(p, log);
  const entries = await getIamServiceAccounts(
    { eks: s.eks, iam: s.iam, kube: s.kube },
    { cluster, region: s.region, namespace: str(p.values['namespace']), name: nameFrom('--name', str(p.values['name']), p.positionals), output },
  );
  if (entries.length === 0 && output === 'table') log.info('no iamserviceaccounts found');
  else process.stdout.write(formatIamServiceAccounts(entries, output, cluster, s.region));
  return 0;
}

async function runDelete(argv: readonly string[]): Promise<number> {
  const p = parseFlags(argv, OPTIONS.delete);
  if (p.values['help']) return help('delete');
  const cluster = str(p.values['cluster']);
  if (!cluster) throw mustBeSet('--cluster');
  const name = nameFrom('--name', str(p.values['name']), p.positionals);
  if (!name) throw mustBeSet('--name');
  const log = stderrLogger();
  const s = await session(p, log);
  await deleteIamServiceAccount({ eks: s.eks, iam: s.iam, kube: s.kube, log }, { cluster, region: s.region, namespace: str(p.values['namespace']) ?? 'default', name });
  return 0;
}

function help(verb: Verb): number {
  process.stdout.write(`${HELP[verb]}\n`);
  return 0;
}

const RUNNERS: Record<Verb, (argv: readonly string[]) => Promise<number>> = { create: runCreate, get: runGet, delete: runDelete };

async function runVerb(verb: Verb, argv: readonly string[]): Promise<number> {
  return asCommand(HELP[verb], () => RUNNERS[verb](requireSubcommand(verb, argv)));
}

/** `irsa create iamserviceaccount …` (argv starts at the subcommand). */
export const create = { run: (argv: string[]): Promise<number> => runVerb('create', argv) };
/** `irsa get iamserviceaccount …` */
export const get = { run: (argv: string[]): Promise<number> => runVerb('get', argv) };
/** `irsa delete iamserviceaccount …` */
export const del = { run: (argv: string[]): Promise<number> => runVerb('delete', argv) };

/** `run(['create' | 'get' | 'delete', 'iamserviceaccount', …flags])`. */
export async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'create' && verb !== 'get' && verb !== 'delete') throw new UsageError(`expected create, get or delete, got \`${String(verb)}\``);
  return runVerb(verb, rest);
}
