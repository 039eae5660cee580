/**
 * Secrets Manager as stored. A secret is one document (metadata, tags, resource policy and the
 * index of its versions with their staging labels); each version's value is its own document,
 * sealed with the data directory's key and bound to the secret and version it belongs to, so a
 * sealed value copied to another record does not open there.
 * Dates are epoch milliseconds.
 */
export const SECRET_KIND = 'secretsmanager.secret';
export const VALUE_KIND = 'secretsmanager.value';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

export interface VersionMeta {
  readonly id: string;
  /** Staging labels, sorted (AWS lists them in order). Empty: deprecated. */
  stages: string[];
  readonly createdAt: number;
  lastAccessedAt?: number | undefined;
}

export interface SecretDoc {
  readonly [k: string]: unknown;
  readonly name: string;
  readonly arn: string;
  /** Names this incarnation's value documents (ARNs differ only in case across incarnations). */
  readonly uid: string;
  description?: string | undefined;
  kmsKeyId?: string | undefined;
  type?: string | undefined;
  readonly createdAt: number;
  lastChangedAt: number;
  lastAccessedAt?: number | undefined;
  /** When DeleteSecret was called; the secret is scheduled for deletion while set. */
  deletedAt?: number | undefined;
  /** When the recovery window ends and the secret is purged. */
  purgeAt?: number | undefined;
  tags: [string, string][];
  /** The resource policy exactly as submitted. */
  policy?: string | undefined;
  versions: VersionMeta[];
}

export interface ValueDoc {
  readonly [k: string]: unknown;
  /** `s|…` (text) or `b|…` (base64 of the bytes), behind a prefix naming the secret and version. */
  readonly sealed: string;
}

/** A version's value, opened. */
export type SecretValue = { readonly kind: 'string'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: Buffer };

/** Quotas ("Secrets Manager quotas", reference_limits.html; "Tagging AWS resources"). */
export const LIMITS = {
  tagsPerSecret: 50,
  /** Secrets Manager keeps the 100 most recent deprecated versions, and every version younger than 24 h. */
  deprecatedVersionsKept: 100,
  deprecatedVersionMinAgeMs: 24 * 3600 * 1000,
  recoveryWindowMinDays: 7,
  recoveryWindowMaxDays: 30,
  recoveryWindowDefaultDays: 30,
} as const;
