/**
 * A test server around handleExecUpgrade and a `ws` client that speaks exactly kubectl 1.32's
 * frames (binary, channel byte first, `ff 00` for stdin EOF, resize JSON with a trailing newline).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { KubeObject } from '../../../src/kube/contracts.js';
import { handleExecUpgrade, parseExecQuery, type ExecSession, type PrepareExec } from '../../../src/kube/exec/websocket.js';

export const POD: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mypod', namespace: 'demo', uid: 'u1' }, spec: { containers: [{ name: 'main' }] } };

export interface ExecServer {
  readonly url: string;
  readonly prepared: { container: string; tty: boolean }[];
  readonly stopped: number[];
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startExecServer(prepare?: PrepareExec): Promise<ExecServer> {
  const prepared: { container: string; tty: boolean }[] = [];
  const stopped: number[] = [];
  const logs: string[] = [];
  const defaultPrepare: PrepareExec = async (_pod, container, { tty }): Promise<ExecSession> => {
    prepared.push({ container, tty });
    const n = prepared.length;
    return { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', LANG: 'C' }, cwd: '/tmp', stop: () => void stopped.push(n) };
  };
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req, socket, head) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const q = parseExecQuery(req.url ?? '/');
    handleExecUpgrade(req, socket, head, { ...q, pod: POD, prepare: prepare ?? defaultPrepare, log: (m) => logs.push(m) });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    prepared,
    stopped,
    logs,
    close: () =>
      new Promise<void>((r) => {
        for (const socket of upgraded) socket.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The exec query as kubectl builds it (sorted, false flags omitted, `command` repeated). */
export function execPath(command: string[], flags: { stdin?: boolean; tty?: boolean; stderr?: boolean; stdout?: boolean } = {}): string {
  const q = new URLSearchParams();
  for (const c of command) q.append('command', c);
  q.append('container', 'main');
  if (flags.stderr ?? !flags.tty) q.append('stderr', 'true');
  if (flags.stdin) q.append('stdin', 'true');
  if (flags.stdout ?? true) q.append('stdout', 'true');
  if (flags.tty) q.append('tty', 'true');
  return `/api/v1/namespaces/demo/pods/mypod/exec?${q.toString()}`;
}

export interface ExecResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly status: Record<string, unknown> | undefined;
  readonly closeCode: number;
  readonly channels: Set<number>;
  readonly textFrames: number;
}

export interface ExecConversation {
  readonly ws: WebSocket;
  /** Everything received so far on channel 1. */
  stdout(): string;
  send(channel: number, payload: Buffer | string): void;
  stdinEof(): void;
  resize(width: number, height: number): void;
  /** Resolves when channel 1 has shown `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly done: Promise<ExecResult>;
}

export function openExec(base: string, path: string, protocol = 'v5.channel.k8s.io'): Promise<ExecConversation> {
  const ws = new WebSocket(`${base}${path}`, protocol ? [protocol] : [], { perMessageDeflate: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const status: Buffer[] = [];
  const channels = new Set<number>();
  let textFrames = 0;
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) textFrames++;
    const ch = data[0] as number;
    channels.add(ch);
    const payload = data.subarray(1);
    if (ch === 1) out.push(payload);
    else if (ch === 2) err.push(payload);
    else if (ch === 3) status.push(payload);
    if (!waiters.length) return;
    const text = Buffer.concat(out).toString('utf8');
    for (const w of waiters.splice(0)) if (w.re.test(text)) w.resolve();
    else waiters.push(w);
  });
  const done = new Promise<ExecResult>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', (closeCode) => {
      const s = Buffer.concat(status).toString('utf8');
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status: s ? (JSON.parse(s) as Record<string, unknown>) : undefined, closeCode, channels, textFrames });
    });
  });
  done.catch(() => undefined);
  const conv: ExecConversation = {
    ws,
    stdout: () => Buffer.concat(out).toString('utf8'),
    send: (channel, payload) => ws.send(Buffer.concat([Buffer.of(channel), Buffer.from(payload)]), { binary: true }),
    stdinEof: () => ws.send(Buffer.of(0xff, 0x00), { binary: true }),
    resize: (w, h) => conv.send(4, `${JSON.stringify({ Width: w, Height: h })}\n`),
    waitFor: (re, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(conv.stdout())) return resolve();
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(conv.stdout())}`)), timeoutMs);
        waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
      }),
    done,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(conv));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })));
    });
    ws.once('error', reject);
  });
}

/** Runs a whole exec: sends `stdin` (in 32 KiB frames, as kubectl) then `ff 00` if given. */
export async function exec(base: string, path: string, stdin?: Buffer | string): Promise<ExecResult> {
  const c = await openExec(base, path);
  if (stdin !== undefined) {
    const b = Buffer.from(stdin);
    for (let i = 0; i < b.length; i += 32768) c.send(0, b.subarray(i, i + 32768));
    c.stdinEof();
  }
  return c.done;
}
