import { newId, newSecretKey, type RandomBytes } from '../aws/ids.js';
import type { Aead } from '../crypto/aead.js';

/**
 * Temporary credentials are stateless: the session token is the session itself — role, session
 * name, session policies, tags, expiry and the secret key — sealed with authenticated encryption
 * under a key held by the store. Any replica opens it without a lookup; nobody can forge or alter
 * one without the key.
 */
export interface SessionClaims {
  readonly v: 1;
  /** Access key id (ASIA…) the token belongs to. */
  readonly ak: string;
  /** Secret access key. */
  readonly sk: string;
  readonly account: string;
  readonly roleArn: string;
  readonly roleId: string;
  readonly roleName: string;
  readonly sessionName: string;
  /** Issued at / expires at, epoch seconds. */
  readonly iat: number;
  readonly exp: number;
  /** Session policy documents (inline `Policy` and the documents of `PolicyArns`). */
  readonly policies?: readonly string[];
  readonly tags?: readonly (readonly [string, string])[];
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  /** For web identity sessions: the IAM OIDC provider ARN (aws:FederatedProvider). */
  readonly federatedProvider?: string;
  /** Role chaining depth beyond the first assumption (AWS limits chained sessions to 1 h). */
  readonly chained?: boolean;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export class SessionSealer {
  constructor(private readonly aead: Aead) {}

  issue(
    random: RandomBytes,
    now: Date,
    durationSeconds: number,
    claims: Omit<SessionClaims, 'v' | 'ak' | 'sk' | 'iat' | 'exp'>,
  ): { credentials: IssuedCredentials; claims: SessionClaims } {
    const iat = Math.floor(now.getTime() / 1000);
    const full: SessionClaims = { v: 1, ak: newId('ASIA', random), sk: newSecretKey(random), iat, exp: iat + durationSeconds, ...claims };
    const sessionToken = this.aead.seal(Buffer.from(JSON.stringify(full), 'utf8')).toString('base64');
    return {
      claims: full,
      credentials: { accessKeyId: full.ak, secretAccessKey: full.sk, sessionToken, expiration: new Date(full.exp * 1000) },
    };
  }

  /** The claims of a token, or undefined when it is not one of ours (forged, altered, garbage). */
  open(token: string): SessionClaims | undefined {
    if (token.length > 16384 || !/^[A-Za-z0-9+/=]+$/.test(token)) return undefined;
    const plain = this.aead.open(Buffer.from(token, 'base64'));
    if (!plain) return undefined;
    try {
      const c = JSON.parse(plain.toString('utf8')) as SessionClaims;
      return c.v === 1 && typeof c.ak === 'string' && typeof c.exp === 'number' ? c : undefined;
    } catch {
      return undefined;
    }
  }
}
