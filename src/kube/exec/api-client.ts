/**
 * The few Kubernetes API calls `irsa exec` makes, over plain HTTP(S) like any client of the
 * embedded API: GET a pod, GET a Secret/ConfigMap for env references, and TokenRequest
 * (`POST …/serviceaccounts/NAME/token` with a boundObjectRef to the pod), as the kubelet does for
 * projected tokens.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '../contracts.js';
import type { ObjectResolver } from './pod-env.js';
import type { RequestToken } from './token-projector.js';

/** A non-2xx answer; `message` is the Status message when the body is one. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface KubeApiClientOptions {
  /** `http://127.0.0.1:PORT` (or https). */
  readonly server: string;
  /** Extra CA for https, PEM. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

export class KubeApiClient {
  constructor(private readonly options: KubeApiClientOptions) {}

  private call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const url = new URL(path, this.options.server.endsWith('/') ? this.options.server : `${this.options.server}/`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          // No keep-alive: an idle pooled socket would hold `irsa exec` open after the command.
          agent: false,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          timeout: this.options.timeoutMs ?? 30_000,
          headers: {
            Accept: 'application/json',
            'User-Agent': 'irsa-exec',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = text;
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
      req.on('error', (e) => reject(new Error(`${method} ${url.href}: ${e.message}`)));
      req.end(payload);
    });
  }

  private async object(method: 'GET' | 'POST', path: string, body?: unknown): Promise<KubeObject | undefined> {
    const { status, json } = await this.call(method, path, body);
    if (status === 404) return undefined;
    if (status < 200 || status > 299) {
      const s = (json ?? {}) as { message?: string; reason?: string };
      throw new KubeApiError(status, s.reason, typeof s.message === 'string' ? s.message : `${method} ${path}: HTTP ${status} ${typeof json === 'string' ? json : ''}`.trim());
    }
    return json as KubeObject;
  }

  getPod(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.object('GET', `api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`);
  }

  /** Secrets and ConfigMaps for env references (undefined also when the API does not serve them). */
  readonly resolve: ObjectResolver = async (kind, namespace, name) => {
    const resource = kind === 'Secret' ? 'secrets' : 'configmaps';
    try {
      return await this.object('GET', `api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(name)}`);
    } catch (e) {
      if (e instanceof KubeApiError && (e.statusCode === 405 || e.statusCode === 501)) return undefined;
      throw e;
    }
  };

  readonly requestToken: RequestToken = async (namespace, serviceAccount, { audiences, expirationSeconds, boundPod }) => {
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: {
        audiences,
        expirationSeconds,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: boundPod.name, ...(boundPod.uid ? { uid: boundPod.uid } : {}) },
      },
    };
    const path = `api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`;
    const res = await this.object('POST', path, body);
    if (!res) throw new KubeApiError(404, 'NotFound', `serviceaccounts "${serviceAccount}" not found`);
    const status = (res['status'] ?? {}) as { token?: unknown; expirationTimestamp?: unknown };
    if (typeof status.token !== 'string' || !status.token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount}: no status.token in the answer`);
    const exp = typeof status.expirationTimestamp === 'string' ? new Date(status.expirationTimestamp) : undefined;
    return {
      token: status.token,
      // Without a timestamp, the JWT's own exp, else what was asked for.
      expirationTimestamp: exp && !Number.isNaN(exp.getTime()) ? exp : (jwtExpiry(status.token) ?? new Date(Date.now() + expirationSeconds * 1000)),
    };
  };
}

function jwtExpiry(token: string): Date | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
