/**
 * Keeps projected ServiceAccount token files fresh, as the kubelet's token manager does for a
 * `serviceAccountToken` volume source: the token is obtained through TokenRequest (bound to the
 * pod), written atomically (temp file + rename, mode 0600) and requested again when 80% of its
 * lifetime has passed, or after 24 hours, whichever comes first.
 * @see https://kubernetes.io/docs/concepts/storage/projected-volumes/#serviceaccounttoken
 * (kubelet pkg/kubelet/token/token_manager.go `requiresRefresh`)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PodRunnerError } from './errors.js';
import type { ProjectedTokenSpec } from './projected-volumes.js';

/** The kubelet refreshes a token older than this even if its TTL is longer. */
export const MAX_TOKEN_AGE_MS = 24 * 3600 * 1000;
/** Refresh when this fraction of the token's lifetime has passed. */
export const REFRESH_FRACTION = 0.8;
const MIN_DELAY_MS = 1000;
const MAX_RETRY_MS = 60_000;

export interface TokenRequestOptions {
  /** Empty: the API server's default audiences. */
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  /** TokenRequest `spec.boundObjectRef` (kind Pod). */
  readonly boundPod: { readonly name: string; readonly uid: string };
}

export interface RequestedToken {
  readonly token: string;
  readonly expirationTimestamp: Date;
}

/** TokenRequest for `serviceAccount` in `namespace` (the server calls its issuer; `irsa exec` POSTs …/token). */
export type RequestToken = (namespace: string, serviceAccount: string, options: TokenRequestOptions) => Promise<RequestedToken>;

export interface ProjectorClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. Must not keep the process alive. */
  schedule(fn: () => void, ms: number): () => void;
}

export const systemClock: ProjectorClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** When to ask again for a token received at `receivedAt` that expires at `expiresAt` (ms epoch). */
export function refreshDelayMs(receivedAt: number, expiresAt: number): number {
  const lifetime = expiresAt - receivedAt;
  return Math.max(MIN_DELAY_MS, Math.floor(Math.min(lifetime * REFRESH_FRACTION, MAX_TOKEN_AGE_MS)));
}

/** Writes `data` so that readers see the old or the new file, never a partial one. */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export interface TokenProjectorOptions {
  readonly tokens: readonly ProjectedTokenSpec[];
  readonly requestToken: RequestToken;
  readonly clock?: ProjectorClock;
  /** A refresh failed; the old token stays in place and the request is retried with backoff. */
  readonly onError?: (error: unknown, token: ProjectedTokenSpec) => void;
  /** A token file was (re)written. */
  readonly onWrite?: (token: ProjectedTokenSpec, expiresAt: Date) => void;
}

export class TokenProjector {
  private readonly clock: ProjectorClock;
  private readonly cancels = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: TokenProjectorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Writes every token once (rejects with `TokenRequestFailed` if one cannot be had), then keeps them fresh. */
  async start(): Promise<void> {
    await Promise.all(
      this.options.tokens.map(async (spec) => {
        try {
          await this.refresh(spec);
        } catch (e) {
          this.stop();
          const why = e instanceof Error ? e.message : String(e);
          throw new PodRunnerError('TokenRequestFailed', `token for projected volume ${spec.volume} (serviceaccount ${spec.namespace}/${spec.serviceAccount}): ${why}`, e);
        }
      }),
    );
  }

  /** Stops refreshing (the files stay, as they do in a running pod's volume). */
  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  private async refresh(spec: ProjectedTokenSpec): Promise<void> {
    const t = await this.options.requestToken(spec.namespace, spec.serviceAccount, {
      audiences: spec.audiences,
      expirationSeconds: spec.expirationSeconds,
      boundPod: spec.pod,
    });
    const receivedAt = this.clock.now();
    if (this.stopped) return;
    await writeFileAtomic(spec.hostFile, t.token, 0o600);
    this.options.onWrite?.(spec, t.expirationTimestamp);
    this.plan(spec, refreshDelayMs(receivedAt, t.expirationTimestamp.getTime()), 0);
  }

  private plan(spec: ProjectedTokenSpec, delay: number, failures: number): void {
    if (this.stopped) return;
    const cancel = this.clock.schedule(() => {
      this.cancels.delete(cancel);
      this.refresh(spec).catch((e: unknown) => {
        if (this.stopped) return;
        this.options.onError?.(e, spec);
        this.plan(spec, Math.min(MIN_DELAY_MS * 2 ** failures, MAX_RETRY_MS), failures + 1);
      });
    }, delay);
    this.cancels.add(cancel);
  }
}
