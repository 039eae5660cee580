/**
 * A minimal stand-in for the embedded Kubernetes API, just enough for kubectl 1.32 exec and
 * `irsa exec` (kubectl-exec.md §0): /version (minor 32), discovery, GET pod/namespace/secret/
 * configmap, TokenRequest, and the exec upgrade wired to handleExecUpgrade the way the real API
 * is meant to (resolve the pod, validate the container — refusing both the WebSocket GET and
 * the SPDY POST with the same Status — then hand over).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { PodRunnerError } from '../../../src/kube/exec/errors.js';
import { selectContainer } from '../../../src/kube/exec/pod-env.js';
import { execPreparer } from '../../../src/kube/exec/pod-session.js';
import { httpStatus, writeRawStatus } from '../../../src/kube/exec/status.js';
import type { RequestToken } from '../../../src/kube/exec/token-projector.js';
import { handleExecUpgrade, isWebSocketUpgrade, parseExecQuery, refuseSpdy } from '../../../src/kube/exec/websocket.js';

export interface TokenRequestRecord {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly body: { spec: { audiences: string[]; expirationSeconds: number; boundObjectRef?: { kind: string; name: string; uid?: string } } };
  readonly token: string;
}

export interface StubKubeApi {
  readonly url: string;
  readonly objects: Map<string, KubeObject>;
  readonly tokenRequests: TokenRequestRecord[];
  readonly requests: string[];
  close(): Promise<void>;
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT-shaped token (unsigned: STS is a stub too when this is used). */
export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'RS256', kid: 'stub' })}.${b64url(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

export function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export async function startStubKubeApi(options: { podsRoot: string; awsEndpointUrl: string }): Promise<StubKubeApi> {
  const objects = new Map<string, KubeObject>();
  const tokenRequests: TokenRequestRecord[] = [];
  const requests: string[] = [];
  let n = 0;
  const issue = (namespace: string, sa: string, body: TokenRequestRecord['body']): { token: string; exp: Date } => {
    const exp = new Date(Date.now() + body.spec.expirationSeconds * 1000);
    const token = fakeJwt({
      iss: 'https://stub.example/id/1',
      sub: `system:serviceaccount:${namespace}:${sa}`,
      aud: body.spec.audiences,
      exp: Math.floor(exp.getTime() / 1000),
      n: ++n,
      'kubernetes.io': { namespace, pod: body.spec.boundObjectRef && { name: body.spec.boundObjectRef.name, uid: body.spec.boundObjectRef.uid } },
    });
    tokenRequests.push({ namespace, serviceAccount: sa, body, token });
    return { token, exp };
  };
  const requestToken: RequestToken = async (namespace, sa, o) => {
    const { token, exp } = issue(namespace, sa, {
      spec: { audiences: [...o.audiences], expirationSeconds: o.expirationSeconds, boundObjectRef: { kind: 'Pod', name: o.boundPod.name, uid: o.boundPod.uid } },
    });
    return { token, expirationTimestamp: exp };
  };
  const prepare = execPreparer({ podsRoot: options.podsRoot, awsEndpointUrl: options.awsEndpointUrl, requestToken, resolve: async (kind, ns, name) => objects.get(key(kind, ns, name)) });

  const send = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string, name: string): void =>
    send(res, 404, { ...httpStatus(404, 'NotFound', `${what} "${name}" not found`), details: { name, kind: what } });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    const p = url.pathname;
    if (p === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
    if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host }] });
    if (p === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (p === '/api/v1')
      return send(res, 200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
          { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get'] },
        ],
      });
    let m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') return send(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: m[1] } });
    m = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|secrets|configmaps)\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') {
      const kind = { pods: 'Pod', secrets: 'Secret', configmaps: 'ConfigMap' }[m[2] as 'pods'];
      const obj = objects.get(key(kind, m[1] as string, m[3] as string));
      return obj ? send(res, 200, obj) : notFound(res, m[2] as string, m[3] as string);
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(p);
    if (m && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const [ns, sa] = [m?.[1] as string, m?.[2] as string];
        if (!objects.has(key('ServiceAccount', ns, sa))) return notFound(res, 'serviceaccounts', sa);
        const parsed = JSON.parse(body) as TokenRequestRecord['body'];
        const { token, exp } = issue(ns, sa, parsed);
        send(res, 201, { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name: sa, namespace: ns }, spec: parsed.spec, status: { token, expirationTimestamp: exp.toISOString() } });
      });
      return;
    }
    send(res, 404, httpStatus(404, 'NotFound', 'the server could not find the requested resource'));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname} (upgrade ${req.headers.upgrade})`);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) return writeRawStatus(socket, httpStatus(404, 'NotFound', 'the server could not find the requested resource'));
    const pod = objects.get(key('Pod', m[1] as string, m[2] as string));
    if (!pod) return writeRawStatus(socket, httpStatus(404, 'NotFound', `pods "${m[2]}" not found`));
    const params = parseExecQuery(url);
    try {
      selectContainer(pod, params.container || undefined);
    } catch (e) {
      if (e instanceof PodRunnerError) return writeRawStatus(socket, httpStatus(400, 'BadRequest', e.message));
      throw e;
    }
    if (!isWebSocketUpgrade(req)) return refuseSpdy(req, socket);
    handleExecUpgrade(req, socket, head, { ...params, pod, prepare });
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    tokenRequests,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
