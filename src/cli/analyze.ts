import { IamDataCatalog } from '../catalog/iam-data.js';
import { analysisWorld, whoCan, type AnalysisInput, type WhoCanReport } from '../explain/analyze.js';
import { explain, parseContextArg } from '../explain/explain.js';
import { colors, renderReport } from './explain.js';
import { commandArgs } from './args.js';
import { ExitError, UsageError } from './errors.js';

const HELP = `Usage: irsa analyze --account-details FILE [--manifests DIR] [--issuer URL] QUESTION

Answers IRSA questions about a real account offline, from the JSON that
\`aws iam get-account-authorization-details > FILE\` writes and (optionally) the cluster's
Kubernetes manifests — to check a change before applying it, without touching AWS.

Questions:
  --can NS/SA ACTION RESOURCE   can pods running as this ServiceAccount do ACTION on RESOURCE?
                                (the full chain, as irsa explain prints it)
  --who-can ACTION RESOURCE     which ServiceAccounts (or, without manifests, which trust
                                subjects) can, and through which role and statements

Options:
  --account-details FILE   the export (a JSON object, or a JSON array of saved pages)
  --manifests DIR          ServiceAccounts, Pods and workloads (*.yaml, *.yml, *.json, recursive)
  --issuer URL             the cluster's OIDC issuer (the export does not include OIDC providers;
                           the provider is taken to exist, with client id sts.amazonaws.com)
  --role NAME|ARN          what if NS/SA were annotated with this role (needed without manifests)
  --context KEY=TYPE:VALUE a request condition key (repeatable), e.g. aws:SourceIp=ip:10.1.2.3
  --output text|json
  -h, --help

Exit status: 0 allowed (or someone can), 1 denied (or no one can), 2 bad usage or input.`;

export async function run(argv: string[]): Promise<number> {
  const args = commandArgs(
    argv,
    {
      'account-details': { type: 'string' },
      manifests: { type: 'string' },
      issuer: { type: 'string' },
      can: { type: 'string' },
      'who-can': { type: 'string' },
      role: { type: 'string' },
      context: { type: 'string', multiple: true },
      output: { type: 'string' },
    },
    HELP,
    true,
  );
  if (!args) return 0;
  const { values, positionals } = args;
  const file = values['account-details'] as string | undefined;
  if (!file) throw new UsageError(`--account-details FILE is required\n\n${HELP}`);
  const can = values['can'] as string | undefined;
  const who = values['who-can'] as string | undefined;
  if ((can === undefined) === (who === undefined)) throw new UsageError('ask one question: --can NS/SA ACTION RESOURCE or --who-can ACTION RESOURCE');
  const output = values['output'] ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, got "${String(output)}"`);
  const issuer = values['issuer'] as string | undefined;
  if (issuer !== undefined && !/^https:\/\/[^\s/]+/.test(issuer)) throw new UsageError(`--issuer must be an https:// URL, got "${issuer}"`);
  const context = ((values['context'] as string[] | undefined) ?? []).map((c) => parseContextArg(c, (m) => new UsageError(m)));

  let action: string;
  let resource: string;
  let target: { namespace: string; serviceAccount: string } | undefined;
  if (can !== undefined) {
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(can);
    if (!m) throw new UsageError(`--can takes NAMESPACE/SERVICEACCOUNT, got "${can}"`);
    if (positionals.length !== 2) throw new UsageError('--can NS/SA ACTION RESOURCE: give the action and the resource');
    target = { namespace: m[1] as string, serviceAccount: m[2] as string };
    [action, resource] = positionals as [string, string];
  } else {
    if (positionals.length !== 1) throw new UsageError('--who-can ACTION RESOURCE: give the resource');
    action = who as string;
    resource = positionals[0] as string;
  }
  if (!/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) throw new UsageError(`the action must be SERVICE:Action, got "${action}"`);
  const role = values['role'] as string | undefined;
  if (role !== undefined && !target) throw new UsageError('--role goes with --can');

  const io = await import('./analyze-io.js');
  const started = Date.now();
  const bar = progressBar('account details');
  let account;
  try {
    account = await io.readAccountDetails(file, { onProgress: bar.update });
  } catch (e) {
    bar.done();
    throw new ExitError(`${file}: ${(e as Error).message}`, 2);
  }
  bar.done(`${account.counts.roles.toLocaleString('en-US')} roles, ${account.counts.policies.toLocaleString('en-US')} policies in ${Date.now() - started} ms`);
  // Every document in force compiled now, so questions pay no compile cost; invalid ones are named.
  const compiling = progressBar('policies');
  const t = Date.now();
  const invalid = account.compileAll({ onProgress: compiling.update, limit: 20 });
  compiling.done(`compiled in ${Date.now() - t} ms${invalid.length ? `, ${invalid.length} invalid` : ''}`);
  for (const e of invalid) process.stderr.write(`irsa analyze: ${e.message} (the role it belongs to is not evaluated)
`);
  let cluster;
  const dir = values['manifests'] as string | undefined;
  if (dir !== undefined) {
    const t = Date.now();
    const mbar = progressBar('manifests');
    try {
      cluster = (await io.readManifestDir(dir, { onProgress: mbar.update })).model;
    } catch (e) {
      mbar.done();
      throw new ExitError((e as Error).message, 2);
    }
    mbar.done(`${cluster.counts.serviceAccounts} ServiceAccounts, ${cluster.counts.pods} pods and workloads in ${Date.now() - t} ms`);
    for (const w of cluster.warnings.slice(0, 20)) process.stderr.write(`irsa analyze: ${w}\n`);
  }
  if (!issuer) process.stderr.write('irsa analyze: no --issuer: the provider and trust links cannot be checked\n');
  const catalog = await IamDataCatalog.load([action.split(':')[0] as string]).catch(() => undefined);
  const input: AnalysisInput = {
    account,
    cluster,
    issuer,
    now: new Date(),
    catalog,
    ...(target && role ? { roleFor: { ...target, role } } : {}),
  };
  const asked = Date.now();
  if (target) {
    const report = await explain(analysisWorld(input), { namespace: target.namespace, serviceAccount: target.serviceAccount, action, resource, context });
    process.stderr.write(`irsa analyze: answered in ${Date.now() - asked} ms\n`);
    process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, colors(process.stdout.isTTY)));
    return report.verdict === 'allowed' ? 0 : 1;
  }
  const report = whoCan(input, action, resource, context);
  process.stderr.write(`irsa analyze: answered in ${Date.now() - asked} ms (${report.evaluated} of ${report.roles} roles have an Allow for ${action})\n`);
  process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderWhoCan(report, cluster !== undefined));
  return report.entries.length ? 0 : 1;
}

function renderWhoCan(r: WhoCanReport, withManifests: boolean): string {
  const lines = [`who can ${r.action} on ${r.resource}:`];
  if (!r.entries.length) lines.push('  no one');
  for (const e of r.entries) {
    const via = e.allowedBy.map((a) => `${a.policy} Statement[${a.statement}]${a.sid ? ` (Sid "${a.sid}")` : ''}`).join('; ');
    const note = e.annotated === false ? '  (not annotated with this role: the webhook does not give it, but a pod that mounts its own token and sets AWS_ROLE_ARN can assume it)' : '';
    lines.push(`  ${withManifests ? 'ServiceAccount' : 'subject'} ${e.serviceAccount} via role ${e.role}${note}`, `      allowed by ${via}`);
  }
  if (r.rolesWithoutServiceAccount.length) lines.push('', `roles allowed but trusted by no ServiceAccount of this issuer: ${r.rolesWithoutServiceAccount.join(', ')}`);
  if (r.skipped.length) lines.push('', `not evaluated (policies missing or invalid in the export): ${r.skipped.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** A progress bar on a terminal's stderr; a single line at the end otherwise. */
function progressBar(what: string): { update(done: number, total: number): void; done(summary?: string): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(done, total) {
      if (!tty || total <= 0) return;
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r\u001b[2Kloading ${what} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor((done / total) * 100)}% (${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')})`);
    },
    done(summary) {
      if (tty) process.stderr.write('\r\u001b[2K');
      if (summary) process.stderr.write(`irsa analyze: ${what}: ${summary}\n`);
    },
  };
}
