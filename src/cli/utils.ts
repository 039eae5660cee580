/**
 * `irsa utils associate-iam-oidc-provider`: eksctl's command of the same name and flags, as a
 * client of irsa-local's EKS and IAM APIs. Prints the provider's ARN on stdout once it exists.
 */
import { defaultDataDir } from '../server/data-dir.js';
import { associateIamOidcProvider } from '../eksctl/associate.js';
import { eksApi, iamApi } from '../eksctl/aws-clients.js';
import { mustBeSet, nameFrom, parseFlags, str } from '../eksctl/flags.js';
import { issuerCaThumbprint } from '../eksctl/thumbprint.js';
import { UsageError } from './errors.js';
import { asCommand, awsConfigFor, stderrLogger } from './iamserviceaccount.js';

const HELP = `Usage: irsa utils associate-iam-oidc-provider --cluster NAME [--approve] [--region NAME]

Setup IAM OIDC provider for a cluster to enable IAM roles for pods (as eksctl does): an IAM OIDC
provider for the cluster's issuer, with client id sts.amazonaws.com and the SHA-1 thumbprint of
the issuer's CA. Without --approve, only prints the plan. Does nothing if it already exists.

Options:
  --cluster NAME        name of the EKS cluster (required)
  --approve             apply the changes
  --region NAME         AWS region (default: the region of irsa-local's endpoint)
  --data-dir DIR        irsa-local data directory (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  --kubeconfig FILE     accepted like the other eksctl commands; not needed here
  -h, --help            show this help

Example:
  irsa utils associate-iam-oidc-provider --cluster weasel-eks --approve`;

const SUBCOMMANDS = ['associate-iam-oidc-provider'];

async function associate(argv: readonly string[]): Promise<number> {
  const p = parseFlags(argv, {
    cluster: { type: 'string' },
    region: { type: 'string' },
    approve: { type: 'boolean' },
    'data-dir': { type: 'string' },
    // Accepted so that every irsa eksctl command takes the same connection flags; not used here.
    kubeconfig: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (p.values['help']) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cluster = nameFrom('--cluster', str(p.values['cluster']), p.positionals);
  if (!cluster) throw mustBeSet('--cluster');
  const aws = await awsConfigFor(str(p.values['data-dir']) ?? defaultDataDir(), str(p.values['region']));
  const result = await associateIamOidcProvider(
    { eks: eksApi(aws), iam: iamApi(aws), log: stderrLogger(), thumbprint: issuerCaThumbprint },
    { cluster, region: aws.region, approve: p.values['approve'] === true },
  );
  if (result.providerArn) process.stdout.write(`${result.providerArn}\n`);
  return 0;
}

/** `run(['associate-iam-oidc-provider', …flags])`. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`Usage: irsa utils <subcommand> [options]\n\nSubcommands:\n  associate-iam-oidc-provider   Setup IAM OIDC provider for a cluster to enable IAM roles for pods\n`);
    return sub === undefined ? 2 : 0;
  }
  if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown subcommand \`${sub}\`: irsa utils supports ${SUBCOMMANDS.join(', ')}`);
  return asCommand(HELP, () => associate(rest));
}
