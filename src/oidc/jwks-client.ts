/**
 * Verification keys of external OIDC identity providers, as STS finds them: discovery at
 * `<issuer>/.well-known/openid-configuration`, then its `jwks_uri`, over HTTPS within AWS's
 * five-second limit (re:Post "iam-sts-invalididentitytoken"). Key sets are cached per issuer,
 * concurrent fetches are shared, and an unknown `kid` triggers a refresh at most once per
 * `minRefreshIntervalMs` per issuer so a flood of bad tokens cannot hammer the IdP.
 */
import { importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { httpsGetJson } from './https-get.js';
import { COULD_NOT_RETRIEVE_KEY, invalidIdentityToken, keyAlgorithmMismatch } from './messages.js';
import { isSupportedAlgorithm, keyFitsAlgorithm, publicJwk, type SupportedAlgorithm } from './keys.js';

export interface ProviderTrust {
  /** Full https URL, exactly as in the token's `iss`. */
  issuer: string;
  /** Hex SHA-1 certificate thumbprints, lowercase or upper. */
  thumbprints: readonly string[];
}

export interface JwksClientOptions {
  /** Deadline for discovery + JWKS together; default 5000 ms, AWS's limit. */
  timeoutMs?: number;
  /** Extra trust anchors (PEM) beside Node's bundled root store. */
  extraCaPem?: string[];
  /** Rate limit for refreshes on an unknown kid, per issuer; default 10 s. */
  minRefreshIntervalMs?: number;
  /** How long a fetched key set is used before it is fetched again; default 1 h. */
  cacheTtlMs?: number;
  /** Clock for cache ages and the refresh rate limit (ms since the epoch). */
  now?: () => number;
  /** Largest discovery or JWKS body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /** Most issuers (per thumbprint set) kept in the cache, least recently used dropped first; default 256. */
  maxCachedIssuers?: number;
}

interface KeySet {
  fetchedAt: number;
  keys: JWK[];
  imported: Map<string, Promise<CryptoKey | KeyObject>>;
}

interface CacheEntry {
  current?: KeySet;
  /** When the last fetch started, successful or not: the refresh rate limit counts from here. */
  lastFetchAt?: number;
  inflight?: Promise<KeySet>;
}

export class JwksClient {
  readonly #timeoutMs: number;
  readonly #extraCaPem: readonly string[];
  readonly #minRefreshIntervalMs: number;
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  readonly #maxBodyBytes: number;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: JwksClientOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#extraCaPem = [...(options.extraCaPem ?? [])];
    this.#minRefreshIntervalMs = options.minRefreshIntervalMs ?? 10_000;
    this.#cacheTtlMs = options.cacheTtlMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    this.#maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.#maxEntries = Math.max(1, options.maxCachedIssuers ?? 256);
  }

  /**
   * The key for (issuer, kid, alg): from cache, else discovery `${issuer}/.well-known/openid-configuration`
   * → `jwks_uri` → JWKS, over HTTPS only. Refetches on an unknown kid, at most once per
   * minRefreshIntervalMs per issuer.
   */
  async getKey(trust: ProviderTrust, header: { kid?: string; alg: string }): Promise<CryptoKey | KeyObject> {
    const { alg, kid } = header;
    if (!isSupportedAlgorithm(alg)) throw new TypeError(`getKey: unsupported algorithm ${alg}`);
    const entry = this.#entry(trust);

    const fresh = entry.current && this.#now() - entry.current.fetchedAt < this.#cacheTtlMs ? entry.current : undefined;
    let set = fresh;
    let jwk = fresh && selectKey(fresh.keys, kid, alg);
    // No usable cache: fetch. Unknown kid: join a fetch under way, or refresh if the rate limit allows.
    if (jwk === undefined && (fresh === undefined || entry.inflight !== undefined || this.#mayRefresh(entry))) {
      set = await this.#fetch(trust, entry);
      jwk = selectKey(set.keys, kid, alg);
    }
    if (jwk === undefined) throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    if (!keyFitsAlgorithm(jwk, alg)) throw invalidIdentityToken(keyAlgorithmMismatch(alg, kid));
    return importCached(set as KeySet, jwk, alg);
  }

  #mayRefresh(entry: CacheEntry): boolean {
    return entry.lastFetchAt === undefined || this.#now() - entry.lastFetchAt >= this.#minRefreshIntervalMs;
  }

  #entry(trust: ProviderTrust): CacheEntry {
    const key = `${trust.issuer}\n${trust.thumbprints.map((t) => t.toLowerCase()).sort().join(',')}`;
    let entry = this.#cache.get(key);
    if (entry) {
      this.#cache.delete(key); // re-insert: Map order is the LRU order
    } else {
      entry = {};
      if (this.#cache.size >= this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    this.#cache.set(key, entry);
    return entry;
  }

  /** Fetches discovery + JWKS, sharing one fetch among concurrent callers. */
  #fetch(trust: ProviderTrust, entry: CacheEntry): Promise<KeySet> {
    if (entry.inflight) return entry.inflight;
    entry.lastFetchAt = this.#now();
    const inflight = this.#download(trust).then((keys) => {
      const set: KeySet = { fetchedAt: this.#now(), keys, imported: new Map() };
      entry.current = set;
      return set;
    });
    entry.inflight = inflight;
    const clear = () => {
      if (entry.inflight === inflight) delete entry.inflight;
    };
    inflight.then(clear, clear);
    return inflight;
  }

  async #download(trust: ProviderTrust): Promise<JWK[]> {
    let issuer: URL;
    try {
      issuer = new URL(trust.issuer);
    } catch {
      throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    }
    const fetchOptions = {
      deadline: Date.now() + this.#timeoutMs,
      extraCaPem: this.#extraCaPem,
      thumbprints: trust.thumbprints,
      maxBodyBytes: this.#maxBodyBytes,
    };
    // OpenID Connect Discovery 1.0 §4: drop a terminating "/" of the issuer before appending.
    const discoveryUrl = new URL(`${trust.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (issuer.protocol !== 'https:' || issuer.search || issuer.hash) throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);

    const discovery = await httpsGetJson(discoveryUrl, fetchOptions);
    if (!isObject(discovery) || discovery['issuer'] !== trust.issuer || typeof discovery['jwks_uri'] !== 'string') {
      throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    }
    let jwksUri: URL;
    try {
      jwksUri = new URL(discovery['jwks_uri']);
    } catch {
      throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    }
    if (jwksUri.protocol !== 'https:') throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);

    const jwks = await httpsGetJson(jwksUri, fetchOptions);
    if (!isObject(jwks) || !Array.isArray(jwks['keys'])) throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    return (jwks['keys'] as unknown[]).filter(isObject).map((k) => k as JWK);
  }
}

/**
 * The JWK to verify a token with. With a `kid`, the key of that id (if several share it, the
 * one that fits `alg`). Without, the only key that fits `alg`; several make the choice ambiguous.
 */
function selectKey(keys: readonly JWK[], kid: string | undefined, alg: SupportedAlgorithm): JWK | undefined {
  const usable = keys.filter((k) => (k.use === undefined || k.use === 'sig') && (!Array.isArray(k.key_ops) || k.key_ops.includes('verify')));
  if (kid !== undefined) {
    const byKid = usable.filter((k) => k.kid === kid);
    return byKid.find((k) => keyFitsAlgorithm(k, alg)) ?? byKid[0];
  }
  const fitting = usable.filter((k) => keyFitsAlgorithm(k, alg));
  return fitting.length === 1 ? fitting[0] : undefined;
}

function importCached(set: KeySet, jwk: JWK, alg: SupportedAlgorithm): Promise<CryptoKey | KeyObject> {
  const cacheKey = `${alg}\n${JSON.stringify(publicJwk(jwk))}`;
  let imported = set.imported.get(cacheKey);
  if (!imported) {
    imported = (importJWK(publicJwk(jwk), alg) as Promise<CryptoKey | KeyObject>).catch(() => {
      throw invalidIdentityToken(COULD_NOT_RETRIEVE_KEY);
    });
    set.imported.set(cacheKey, imported);
  }
  return imported;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
