import { readFileSync } from 'node:fs';
import type { DoctorReport } from '../explain/doctor.js';
import type { ExplainReport, Link, LinkStatus } from '../explain/report.js';
import { clientEnvironment } from '../server/client-env.js';
import { defaultDataDir } from '../server/data-dir.js';
import { signGet } from '../wire/sigv4/sign.js';
import { commandArgs, type ParsedValues } from './args.js';
import { ExitError, UsageError } from './errors.js';

const EXPLAIN_HELP = `Usage: irsa explain --pod NS/POD [--action ACTION --resource ARN] [options]
       irsa explain --service-account NS/SA [--action ACTION --resource ARN] [options]
       irsa explain --request-id ID

Walks the IRSA chain of a running irsa-local and prints, link by link, what holds and what breaks:
pod → ServiceAccount → webhook mutation → token → IAM OIDC provider → role → trust policy →
permissions (identity, boundary, session and resource policies), with the fix in one line.
--request-id explains a decision that actually happened (from the decision log; the request id
is in every AWS error irsa-local returns).

Options:
  --pod NS/POD              the pod (its ServiceAccount, env and token volume are read)
  --service-account NS/SA   a ServiceAccount, without a pod
  --action ACTION           e.g. s3:ListBucket
  --resource ARN            e.g. arn:aws:s3:::weasel-images
  --context KEY=TYPE:VALUE  a request condition key (repeatable), e.g. aws:SourceIp=ip:10.1.2.3
  --container NAME          the container whose credentials matter (default: all)
  --session-policy FILE     a session policy passed to AssumeRoleWithWebIdentity (JSON)
  --token FILE              explain with this token's claims (e.g. a copied token file; - for stdin)
  --request-id ID           explain a recorded decision instead
  --cluster NAME            the cluster (default: the first)
  --output text|json        json: the stable schema irsa.explain/v1 (docs/explain.md)
  --data-dir DIR            data directory (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  -h, --help                show this help

Exit status: 0 when allowed (or the chain holds), 1 when denied or broken, 2 on bad usage.`;

const DOCTOR_HELP = `Usage: irsa doctor [--namespace NS] [--service-account SA] [--output text|json]

Checks every IRSA link for every ServiceAccount with an eks.amazonaws.com/role-arn annotation (and
the pods using it), and every role whose trust policy names this cluster's provider, and reports
each problem with its fix.

Options:
  --namespace NS            only this namespace
  --service-account SA      only this ServiceAccount (with --namespace)
  --cluster NAME            the cluster (default: the first)
  --output text|json
  --data-dir DIR            data directory (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  -h, --help                show this help

Exit status: 0 when nothing is broken, 1 when something is (CI can gate on it), 2 on bad usage.`;

async function call(dataDir: string, path: string, params: URLSearchParams): Promise<unknown> {
  const env = await clientEnvironment(dataDir);
  if (typeof env === 'string') throw new ExitError(env, 2);
  const url = new URL(`${env.endpoint.replace(/\/$/, '')}${path}?${params.toString()}`);
  const headers = signGet(url, env, { region: env.region, service: 'iam', now: new Date() });
  let res: Response;
  try {
    res = await fetch(url, { headers: Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'host')) });
  } catch (e) {
    throw new ExitError(`cannot reach irsa-local at ${env.endpoint} (${(e as Error).message}); is \`irsa up\` running?`, 2);
  }
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new ExitError(`${String(body['__type'] ?? res.status)}: ${String(body['message'] ?? '')}`, res.status === 404 ? 1 : 2);
  return body;
}

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>, help: string): ParsedValues | undefined {
  return commandArgs(argv, { ...options, output: { type: 'string' }, cluster: { type: 'string' }, 'data-dir': { type: 'string' } }, help)?.values;
}

function outputMode(v: unknown): 'text' | 'json' {
  if (v === undefined || v === 'text') return 'text';
  if (v === 'json') return 'json';
  throw new UsageError(`--output must be text or json, got "${String(v)}"`);
}

export const explainCommand = {
  async run(argv: string[]): Promise<number> {
    const v = parse(
      argv,
      { pod: { type: 'string' }, 'service-account': { type: 'string' }, action: { type: 'string' }, resource: { type: 'string' }, context: { type: 'string', multiple: true }, container: { type: 'string' }, 'request-id': { type: 'string' }, token: { type: 'string' }, 'session-policy': { type: 'string' } },
      EXPLAIN_HELP,
    );
    if (!v) return 0;
    const output = outputMode(v['output']);
    const q = new URLSearchParams();
    if (v['request-id'] !== undefined) {
      if (v['pod'] !== undefined || v['service-account'] !== undefined) throw new UsageError('--request-id stands alone');
      q.set('requestId', String(v['request-id']));
    } else {
      if ((v['pod'] === undefined) === (v['service-account'] === undefined)) throw new UsageError(`give --pod NS/POD or --service-account NS/SA\n\n${EXPLAIN_HELP}`);
      const target = String(v['pod'] ?? v['service-account']);
      if (!/^[^/\s]+\/[^/\s]+$/.test(target)) throw new UsageError(`${v['pod'] !== undefined ? '--pod' : '--service-account'} takes NAMESPACE/NAME, got "${target}"`);
      if (v['pod'] !== undefined) q.set('pod', String(v['pod']));
      else q.set('serviceAccount', String(v['service-account']));
      if ((v['action'] === undefined) !== (v['resource'] === undefined)) throw new UsageError('--action and --resource go together');
      if (v['action'] !== undefined) q.set('action', String(v['action']));
      if (v['resource'] !== undefined) q.set('resource', String(v['resource']));
      for (const c of (v['context'] as string[] | undefined) ?? []) q.append('context', c);
      if (v['container'] !== undefined) q.set('container', String(v['container']));
      if (v['session-policy'] !== undefined) q.set('sessionPolicy', readFileSync(String(v['session-policy']), 'utf8'));
      if (v['token'] !== undefined) q.set('token', readFileSync(String(v['token']) === '-' ? 0 : String(v['token']), 'utf8').trim());
    }
    if (v['cluster'] !== undefined) q.set('cluster', String(v['cluster']));
    process.stderr.write('irsa explain: asking irsa-local…\n');
    const report = (await call((v['data-dir'] as string | undefined) ?? defaultDataDir(), '/_irsa/explain', q)) as ExplainReport;
    process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, colors(process.stdout.isTTY)));
    return report.verdict === 'allowed' || report.verdict === 'ok' ? 0 : 1;
  },
};

export const doctorCommand = {
  async run(argv: string[]): Promise<number> {
    const v = parse(argv, { namespace: { type: 'string' }, 'service-account': { type: 'string' } }, DOCTOR_HELP);
    if (!v) return 0;
    const output = outputMode(v['output']);
    if (v['service-account'] !== undefined && v['namespace'] === undefined) throw new UsageError('--service-account needs --namespace');
    const q = new URLSearchParams();
    if (v['namespace'] !== undefined) q.set('namespace', String(v['namespace']));
    if (v['service-account'] !== undefined) q.set('serviceAccount', String(v['service-account']));
    if (v['cluster'] !== undefined) q.set('cluster', String(v['cluster']));
    process.stderr.write('irsa doctor: checking every annotated ServiceAccount…\n');
    const report = (await call((v['data-dir'] as string | undefined) ?? defaultDataDir(), '/_irsa/doctor', q)) as DoctorReport;
    process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report, colors(process.stdout.isTTY)));
    return report.ok ? 0 : 1;
  },
};

interface Colors {
  readonly status: (s: LinkStatus, text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

export function colors(tty: boolean): Colors {
  const wrap = (code: string) => (t: string) => (tty ? `\u001b[${code}m${t}\u001b[0m` : t);
  const by: Record<LinkStatus, (t: string) => string> = { ok: wrap('32'), broken: wrap('31;1'), warning: wrap('33'), skipped: wrap('90'), unknown: wrap('90') };
  return { status: (s, t) => by[s](t), dim: wrap('90'), bold: wrap('1') };
}

const MARK: Record<LinkStatus, string> = { ok: '✓', broken: '✗', warning: '!', skipped: '-', unknown: '?' };

export function renderLinks(links: readonly Link[], c: Colors, indent = ''): string[] {
  const out: string[] = [];
  for (const l of links) {
    out.push(`${indent}${c.status(l.status, `${MARK[l.status]} ${l.id.padEnd(14)}`)} ${l.summary}`);
    for (const [k, val] of l.facts) out.push(`${indent}    ${c.dim(`${k}:`)} ${val}`);
    for (const f of l.findings) {
      out.push(`${indent}    ${c.status(l.status === 'ok' ? 'warning' : l.status, f.message)}`);
      if (f.fix) out.push(`${indent}    ${c.bold('fix:')} ${f.fix}`);
    }
  }
  return out;
}

export function renderReport(r: ExplainReport, c: Colors): string {
  const subject = [r.subject.pod ? `pod ${r.subject.pod}` : r.subject.serviceAccount ? `ServiceAccount ${r.subject.serviceAccount}` : undefined, r.subject.action, r.subject.resource, r.subject.requestId ? `request ${r.subject.requestId}` : undefined].filter(Boolean).join('  ');
  const verdict = r.verdict === 'allowed' || r.verdict === 'ok' ? c.status('ok', r.verdict.toUpperCase()) : c.status('broken', r.verdict.toUpperCase());
  const lines = [`${c.bold(subject)}`, '', ...renderLinks(r.links, c), '', `${verdict}${r.brokenAt ? ` at ${r.brokenAt}` : ''}`];
  if (r.fix) lines.push(`${c.bold('fix:')} ${r.fix}`);
  return `${lines.join('\n')}\n`;
}

export function renderDoctor(r: DoctorReport, c: Colors): string {
  const lines: string[] = [];
  for (const item of r.items) {
    lines.push(`${c.status(item.status, `${MARK[item.status]} ${item.subject}`)}`);
    for (const f of item.findings) {
      lines.push(`    ${c.status(item.status === 'ok' ? 'warning' : item.status, f.message)}`);
      if (f.fix) lines.push(`    ${c.bold('fix:')} ${f.fix}`);
    }
  }
  if (!r.items.length) lines.push(c.dim('no annotated ServiceAccounts and no IRSA roles found'));
  lines.push('', r.ok ? c.status('ok', `OK: ${r.items.length} checked, nothing broken`) : c.status('broken', `BROKEN: ${r.items.filter((i) => i.status === 'broken').length} of ${r.items.length} broken`));
  return `${lines.join('\n')}\n`;
}
