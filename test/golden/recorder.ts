/**
 * Records the golden scenario: every call is a raw signed query request whose response becomes
 * one fixture (`<Action>.<case>.xml`), with what the scenario expected of it (success, or an
 * error code and message). Setup calls (`step`) must succeed and make no fixture.
 */
import { formBody, send, type Clock, type Creds, type RawResponse } from './client.js';
import type { Normalizer } from './normalize.js';

export const STS_ACTIONS: ReadonlySet<string> = new Set(['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetSessionToken', 'GetFederationToken']);

export interface Expectation {
  /** The error code expected; absent for success. */
  readonly code?: string;
  /** The exact message (string) or its form (RegExp). */
  readonly message?: string | RegExp;
  /**
   * Why an error code the operation's model does not list is nevertheless AWS's answer (for
   * codes other than the protocol's common ones: ValidationError, AccessDenied, auth errors).
   */
  readonly unmodelled?: string;
}

export interface RecordedCase {
  readonly file: string;
  readonly service: 'iam' | 'sts';
  readonly operation: string;
  readonly caseName: string;
  readonly response: RawResponse;
  readonly expect: Expectation;
  readonly fixture: string;
}

export interface CallOptions extends Expectation {
  /** `null` sends the request unsigned; default: the administrator. */
  readonly creds?: Creds | null;
  readonly signingDate?: Date;
  readonly tamper?: (headers: Record<string, string>) => void;
  readonly service?: 'iam' | 'sts';
}

export class Result {
  constructor(readonly response: RawResponse) {}
  get status(): number {
    return this.response.status;
  }
  /** Text of the first `<tag>` element. */
  text(tag: string): string {
    const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(this.response.body);
    if (!m) throw new Error(`no <${tag}> in ${this.response.body.slice(0, 400)}`);
    return unescapeXml(m[1] as string);
  }
  all(tag: string): string[] {
    return [...this.response.body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => unescapeXml(m[1] as string));
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#13;/g, '\r').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

export class Recorder {
  readonly cases: RecordedCase[] = [];
  private readonly files = new Set<string>();

  constructor(
    private readonly port: number,
    readonly clock: Clock,
    private readonly normalizer: Normalizer,
    readonly admin: Creds,
  ) {}

  private async send(action: string, params: Iterable<readonly [string, string]>, opts: CallOptions): Promise<{ response: RawResponse; service: 'iam' | 'sts' }> {
    const service = opts.service ?? (STS_ACTIONS.has(action) ? 'sts' : 'iam');
    const version = service === 'sts' ? '2011-06-15' : '2010-05-08';
    const form = formBody([['Action', action], ['Version', version], ...params]);
    const creds = opts.creds === null ? undefined : (opts.creds ?? this.admin);
    const response = await send(this.port, form, { creds, service, signingDate: opts.signingDate ?? this.clock.now(), tamper: opts.tamper });
    return { response, service };
  }

  /** A recorded call: one fixture. */
  async call(caseName: string, action: string, params: Iterable<readonly [string, string]> = [], opts: CallOptions = {}): Promise<Result> {
    const file = `${action}.${caseName}.xml`;
    if (this.files.has(file)) throw new Error(`duplicate golden case ${file}`);
    this.files.add(file);
    const { response, service } = await this.send(action, params, opts);
    const expect: Expectation = { ...(opts.code ? { code: opts.code } : {}), ...(opts.message ? { message: opts.message } : {}), ...(opts.unmodelled ? { unmodelled: opts.unmodelled } : {}) };
    this.cases.push({ file, service, operation: action, caseName, response, expect, fixture: this.normalizer.fixture(response) });
    return new Result(response);
  }

  /** A setup call: must succeed, makes no fixture. */
  async step(action: string, params: Iterable<readonly [string, string]> = [], opts: CallOptions = {}): Promise<Result> {
    const { response } = await this.send(action, params, opts);
    if (response.status !== 200) throw new Error(`setup ${action} failed: ${response.status} ${response.body}`);
    return new Result(response);
  }
}

// ---- parameter helpers (the query protocol's list and structure forms)

export type P = [string, string][];

export const list = (name: string, values: readonly string[]): P => values.map((v, i) => [`${name}.member.${i + 1}`, v]);
export const tags = (name: string, pairs: readonly (readonly [string, string])[]): P =>
  pairs.flatMap(([k, v], i): P => [
    [`${name}.member.${i + 1}.Key`, k],
    [`${name}.member.${i + 1}.Value`, v],
  ]);
export const p = (o: Record<string, string | number | boolean | undefined>): P =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, String(v)]);
