/**
 * Raw query-protocol requests for the golden scenario: form bodies encoded as botocore encodes
 * them (RFC 3986), signed with the JS SDK's SigV4 signer (@smithy/signature-v4) at the scenario
 * clock's time, sent over node:http so that every header (and every malformation) is ours.
 */
import http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface RawResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A clock the server reads (`now`) and the scenario moves. */
export class Clock {
  private t: number;
  constructor(start: Date) {
    this.t = start.getTime();
  }
  readonly now = (): Date => new Date(this.t);
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export type Params = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

/** RFC 3986 percent-encoding, as botocore serializes query bodies. */
export const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function formBody(params: Params): string {
  const entries = Array.isArray(params) ? (params as ReadonlyArray<readonly [string, string]>) : Object.entries(params as Record<string, string>);
  return entries.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
}

export interface SendOptions {
  /** Unsigned when absent. */
  readonly creds?: Creds | undefined;
  readonly service: 'iam' | 'sts';
  readonly signingDate: Date;
  readonly region?: string;
  /** Changes the signed headers before sending (malformed-auth cases). */
  readonly tamper?: (headers: Record<string, string>) => void;
}

export async function send(port: number, form: string, opts: SendOptions): Promise<RawResponse> {
  let headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'content-length': String(Buffer.byteLength(form)),
  };
  if (opts.creds) {
    const signer = new SignatureV4({ credentials: opts.creds, region: opts.region ?? 'us-east-1', service: opts.service, sha256: Sha256 });
    const req = new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'POST', path: '/', headers, body: form });
    const signed = await signer.sign(req, { signingDate: opts.signingDate });
    headers = { ...(signed.headers as Record<string, string>) };
  }
  opts.tamper?.(headers);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(form);
  });
}
