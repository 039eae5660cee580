import { readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CaseError, PolicyCache, runCase, type CaseResult } from '../simulate/case.js';
import { formatExplanation } from '../simulate/format.js';
import { IamDataCatalog } from '../catalog/iam-data.js';
import { UsageError } from './errors.js';

const HELP = `Usage: irsa simulate [FILE] [options]

Decides IAM requests as AWS does. Reads one case as a JSON object, a JSON array of cases, or
JSON Lines (one case per line) from FILE or stdin, and writes one JSON line per case:
  {"decision":"allowed"|"explicitDeny"|"implicitDeny","matchedStatements":[...],"reasons":[...]}
Denied cases also carry AWS's AccessDenied "message".

A case:
  {"identity":[DOC...], "boundary":[DOC]?, "session":[DOC...]?, "resourcePolicy":DOC?,
   "resourcePolicyKind":"resource"|"trust"?, "resourceOwner":"123456789012"?, "scp":[DOC...]?,
   "caller":"arn:aws:iam::123456789012:user/alice", "action":"s3:GetObject",
   "resource":"arn:aws:s3:::bucket/key", "context":[{"key":"aws:SourceIp","type":"ip","values":["10.0.0.1"]}]}
DOC is a policy document (JSON object or string). Context types: string, stringList, numeric,
numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList.

Options:
  --explain        print a readable trace of every statement instead of JSON
  --no-defaults    do not add aws:CurrentTime, aws:EpochTime, aws:PrincipalArn, aws:username, ...
  --now ISO        the time used for aws:CurrentTime / aws:EpochTime (default: now)
  -h, --help       show this help

Exit status: 0 when every case ran; 2 when a case is malformed or holds an invalid policy (its
output line is {"error":{...}} and stderr names the line and field).

Example:
  irsa simulate examples/walkthrough-s3.json --explain`;

export async function run(argv: string[]): Promise<number> {
  let values: { explain?: boolean; 'no-defaults'?: boolean; now?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        explain: { type: 'boolean' },
        'no-defaults': { type: 'boolean' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('takes at most one FILE');
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now: \`${values.now}\` is not a date`);
  }
  const file = positionals[0];
  let text: string;
  try {
    text = file === undefined || file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file ?? 'stdin'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }

  // Load the catalog for the service prefixes that occur anywhere in the input.
  const prefixes = new Set<string>();
  for (const m of text.matchAll(/"([A-Za-z0-9.-]{2,64}):/g)) prefixes.add((m[1] as string).toLowerCase());
  const catalog = await IamDataCatalog.load(prefixes);
  const cache = new PolicyCache(10_000, catalog);
  const fixedNow = now ?? new Date();
  const options = { defaults: !values['no-defaults'], now: () => fixedNow, explain: values.explain === true, catalog };
  const out = new Output();
  let failed = 0;
  let index = 0;
  for (const { line, parsed } of readCases(text)) {
    index++;
    let result: CaseResult;
    try {
      if (parsed instanceof Error) throw new CaseError('(json)', parsed.message);
      result = runCase(parsed, cache, options);
    } catch (e) {
      if (!(e instanceof CaseError)) throw e;
      failed++;
      const what = e.code ? `${e.code}: ${e.message}` : e.message;
      process.stderr.write(`irsa simulate: line ${line}: ${e.field}: ${what}\n`);
      out.write(JSON.stringify({ error: { line, field: e.field, ...(e.code ? { code: e.code } : {}), message: e.message } }));
      continue;
    }
    out.write(values.explain ? formatExplanation(index, parsed as Record<string, unknown>, result) : JSON.stringify(result));
  }
  out.flush();
  return failed ? 2 : 0;
}

interface ReadCase {
  readonly line: number;
  readonly parsed: unknown;
}

/** One JSON object, a JSON array, or JSON Lines (blank lines skipped). */
function* readCases(text: string): Generator<ReadCase> {
  const trimmed = text.trimStart();
  const firstLineEnd = trimmed.indexOf('\n');
  const firstLine = firstLineEnd < 0 ? trimmed : trimmed.slice(0, firstLineEnd);
  let whole: unknown;
  let wholeOk = false;
  // A pretty-printed object or an array is one JSON text; JSON Lines has a complete value per line.
  if (trimmed.startsWith('[') || !isJson(firstLine)) {
    try {
      whole = JSON.parse(text);
      wholeOk = true;
    } catch {
      wholeOk = false;
    }
  }
  if (wholeOk) {
    if (Array.isArray(whole)) {
      let i = 0;
      for (const c of whole) yield { line: ++i, parsed: c };
    } else yield { line: 1, parsed: whole };
    return;
  }
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const l = text.slice(start, end).trim();
    start = end + 1;
    if (!l) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(l);
    } catch (e) {
      parsed = new Error(`not valid JSON: ${(e as Error).message}`);
    }
    yield { line, parsed };
  }
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Buffers output lines and writes them in large chunks: per-line writes dominate big runs. */
class Output {
  private buf: string[] = [];
  private size = 0;
  write(line: string): void {
    this.buf.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (!this.buf.length) return;
    const chunk = `${this.buf.join('\n')}\n`;
    this.buf = [];
    this.size = 0;
    writeAllSync(chunk);
  }
}

function writeAllSync(s: string): void {
  // process.stdout is async on pipes; write synchronously so large outputs keep their order and
  // the process does not buffer everything in memory.
  let buf = Buffer.from(s, 'utf8');
  while (buf.length) {
    try {
      const n = writeSync(1, buf);
      buf = buf.subarray(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
      throw e;
    }
  }
}

