import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import type { IssuedToken, ServiceAccountTokenIssuer, TokenIssueRequest } from '../kube/contracts.js';
import type { Store } from '../store/store.js';

/**
 * A cluster's ServiceAccount token issuer, as kube-apiserver's with `--service-account-issuer`
 * on EKS: RS256 keys identified by `kid`, kept in the store (sealed) so every replica signs and
 * serves the same JWKS; rotation keeps a retired key published until every token it signed has
 * expired; discovery and JWKS served at `{issuer}/.well-known/openid-configuration` and
 * `{issuer}/keys` (EKS's paths). Tokens have the exact shape of projected ServiceAccount tokens.
 * https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
 */
export interface SigningKeyDoc {
  readonly [k: string]: unknown;
  kid: string;
  /** The private key (PKCS#8 PEM), sealed at rest. */
  sealedPrivateKey: string;
  publicJwk: JWK;
  createdAt: string;
  /** When the key stopped signing; it stays in the JWKS until `publishUntil`. */
  retiredAt?: string;
  publishUntil?: string;
}

export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** Longest token the issuer signs (kube-apiserver's --service-account-max-token-expiration default is 48 h). */
export const MAX_TOKEN_SECONDS = 48 * 3600;
/** TokenRequest's minimum expirationSeconds. */
export const MIN_TOKEN_SECONDS = 600;
const KIND = 'oidc.signingKey';

interface LoadedKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

export class ClusterIssuer implements ServiceAccountTokenIssuer {
  private active: LoadedKey | undefined;
  private jwks: { keys: JWK[] } | undefined;

  constructor(
    readonly issuerUrl: string,
    private readonly cluster: string,
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly now: () => Date,
    /** The node name put in pod-bound tokens, as kubelet's node. */
    private readonly node: { readonly name: string; readonly uid: string },
  ) {}

  /** Loads the signing keys, creating the first one on first start. */
  async init(): Promise<void> {
    const keys = await this.store.read((t) => t.list<SigningKeyDoc>(KIND, this.cluster));
    if (!keys.some(({ doc }) => !doc.retiredAt)) await this.rotate({ onlyIfNone: true });
    else await this.reload();
  }

  /** Re-reads the keys (another process sharing the store may have rotated them). */
  async refresh(): Promise<void> {
    await this.reload();
  }

  /**
   * Starts signing with a new key. The previous one is retired but stays in the JWKS until every
   * token it can have signed has expired; keys past that point are dropped.
   */
  async rotate(options: { onlyIfNone?: boolean } = {}): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    // kube-apiserver's kid: base64url of the SHA-256 of the DER public key.
    const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
    const now = this.now();
    await this.store.tx(async (t) => {
      const existing = await t.list<SigningKeyDoc>(KIND, this.cluster);
      // Replicas starting together on a new store: the first one's key is everyone's.
      if (options.onlyIfNone && existing.some(({ doc }) => !doc.retiredAt)) return;
      for (const { doc } of existing) {
        if (doc.retiredAt) {
          if (doc.publishUntil && Date.parse(doc.publishUntil) <= now.getTime()) await t.delete(KIND, this.cluster, doc.kid);
          continue;
        }
        await t.put(KIND, this.cluster, doc.kid, { ...doc, retiredAt: now.toISOString(), publishUntil: new Date(now.getTime() + MAX_TOKEN_SECONDS * 1000).toISOString() });
      }
      await t.put(KIND, this.cluster, kid, {
        kid,
        sealedPrivateKey: this.sealer.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
        createdAt: now.toISOString(),
      } satisfies SigningKeyDoc);
    });
    await this.reload();
    return this.active?.kid ?? kid;
  }

  private async reload(): Promise<void> {
    const now = this.now().getTime();
    const keys = (await this.store.read((t) => t.list<SigningKeyDoc>(KIND, this.cluster))).map(({ doc }) => doc);
    const current = keys.filter((k) => !k.retiredAt).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!current) throw new Error(`cluster ${this.cluster} has no active signing key`);
    this.active = { kid: current.kid, privateKey: createPrivateKey(this.sealer.open(current.sealedPrivateKey)) };
    this.jwks = { keys: keys.filter((k) => !k.publishUntil || Date.parse(k.publishUntil) > now).map((k) => k.publicJwk) };
  }

  /** The published key set (current key and keys whose tokens may still be valid). */
  jwksDocument(): { keys: JWK[] } {
    if (!this.jwks) throw new Error('issuer not initialised');
    return this.jwks;
  }

  /** EKS's discovery document for this issuer. */
  discoveryDocument(): Record<string, unknown> {
    return {
      issuer: this.issuerUrl,
      jwks_uri: `${this.issuerUrl}/keys`,
      authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      claims_supported: ['sub', 'iss'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }

  async issue(req: TokenIssueRequest): Promise<IssuedToken> {
    if (!this.active) throw new Error('issuer not initialised');
    const now = this.now();
    const iat = Math.floor(now.getTime() / 1000);
    const seconds = Math.min(Math.max(req.expirationSeconds, MIN_TOKEN_SECONDS), MAX_TOKEN_SECONDS);
    const exp = iat + seconds;
    const kube: Record<string, unknown> = {
      namespace: req.namespace,
      serviceaccount: { name: req.serviceAccount.name, uid: req.serviceAccount.uid },
    };
    if (req.pod) {
      kube['node'] = { name: this.node.name, uid: this.node.uid };
      kube['pod'] = { name: req.pod.name, uid: req.pod.uid };
    }
    const audiences = req.audiences.length ? [...req.audiences] : [this.issuerUrl];
    const token = await new SignJWT({ 'kubernetes.io': kube, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: this.active.kid })
      .setIssuer(this.issuerUrl)
      .setSubject(`system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`)
      .setAudience(audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .sign(this.active.privateKey);
    return { token, expirationTimestamp: new Date(exp * 1000) };
  }
}

/** The public key of a JWK, for tests and verification. */
export function publicKeyOf(jwk: JWK): KeyObject {
  return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
}
