/**
 * The explainer's report: the IRSA chain link by link, what holds and what breaks, and the fix.
 * This is the stable JSON schema of `irsa explain --output json`, `irsa doctor --output json`,
 * `irsa analyze … --output json` and the server's `/_irsa/explain` and `/_irsa/doctor`
 * (documented in docs/explain.md). Add fields; never rename or remove one.
 */

/** ok: this link holds. broken: the chain stops here. warning: holds, but something is off. skipped: not reached or not applicable. unknown: cannot be checked from here (e.g. TLS offline). */
export type LinkStatus = 'ok' | 'broken' | 'warning' | 'skipped' | 'unknown';

export type LinkId = 'pod' | 'serviceAccount' | 'webhook' | 'token' | 'provider' | 'role' | 'trust' | 'permissions';

export interface Finding {
  /** Stable machine code, e.g. `trust.subjectMismatch`, `permissions.resourceMismatch`. */
  readonly code: string;
  /** One sentence: what is wrong (or noteworthy). */
  readonly message: string;
  /** One line naming the fix, where one is clear. */
  readonly fix?: string;
  /** The values the finding compares, for machines ({ expected, actual, key, statement, … }). */
  readonly details?: Readonly<Record<string, string | readonly string[]>>;
}

export interface Link {
  readonly id: LinkId;
  readonly status: LinkStatus;
  /** One line: what this link is ("ServiceAccount weasel/weasel-eks-pod-sa", …). */
  readonly summary: string;
  /** Facts established on the way (issuer, audience, subject, role ARN, …), in display order. */
  readonly facts: readonly (readonly [string, string])[];
  readonly findings: readonly Finding[];
}

export interface ExplainReport {
  readonly schema: 'irsa.explain/v1';
  readonly subject: {
    readonly pod?: string;
    readonly serviceAccount?: string;
    readonly roleArn?: string;
    readonly action?: string;
    readonly resource?: string;
    readonly requestId?: string;
  };
  /** allowed / denied: the request's outcome; broken: the chain breaks before permissions; ok: the chain holds (no action was asked about). */
  readonly verdict: 'allowed' | 'denied' | 'broken' | 'ok';
  /** The first broken link, when there is one. */
  readonly brokenAt?: LinkId;
  /** The one-line fix for the first problem found, when one is clear. */
  readonly fix?: string;
  readonly links: readonly Link[];
}
