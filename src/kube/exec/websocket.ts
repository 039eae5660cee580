/**
 * The pods/exec subresource over the WebSocket remote-command protocol `v5.channel.k8s.io`, the
 * only one kubectl ≥1.30 offers. Binary messages whose first byte is the channel:
 *   client → server: 0 stdin, 4 resize JSON (`{"Width":W,"Height":H}\n`), 255 close-stream (`ff 00` = stdin EOF);
 *   server → client: 1 stdout (everything with a TTY), 2 stderr, 3 one metav1.Status at the end.
 * The session ends with the Status then a close frame 1000 (without it kubectl hangs). If the
 * client goes away first, the command's whole process group is killed. Nothing is spawned before
 * the upgrade is accepted: kubectl retries over SPDY after any refusal, and a command started for a
 * refused upgrade would run twice.
 * See /work/shared/docs/kubectl-exec.md and docs/exec.md.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-connect-exec-pod-v1-core
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { KubeObject } from '../contracts.js';
import { loadPty, runInPod, type PodProcess } from './run.js';
import { exitStatus, failureStatus, httpStatus, writeRawStatus, type Status } from './status.js';

export const V5_CHANNEL_PROTOCOL = 'v5.channel.k8s.io';
const FIRST_RESIZE_WAIT_MS = 1000;

function waitBounded(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Pause the command's output while this much is queued on the socket; resume below LOW. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Stop reading stdin frames while the command has this much unread input. */
const STDIN_HIGH_WATER = 1024 * 1024;

export interface ExecParams {
  readonly command: readonly string[];
  readonly container: string;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** What the pod's container needs to run a command: its environment, where, and what to stop after. */
export interface ExecSession {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  stop?(): void | Promise<void>;
}

/** Builds the container's environment (and starts its token projection); see pod-session.ts. */
export type PrepareExec = (pod: KubeObject, container: string, options: { readonly tty: boolean }) => Promise<ExecSession>;

export interface ExecUpgradeContext extends ExecParams {
  /** The pod, already resolved by the API (and the container validated). */
  readonly pod: KubeObject;
  readonly prepare: PrepareExec;
  /** Diagnostics (a failed environment, a dropped client). */
  readonly log?: (message: string) => void;
}

/** Go's strconv.ParseBool truths; a missing parameter is false (kubectl omits false flags). */
function queryBool(q: URLSearchParams, name: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(q.get(name) ?? '');
}

/** The exec query: `command` repeated once per argv element, `container`, and the stream flags. */
export function parseExecQuery(url: string | URL): ExecParams {
  const q = (typeof url === 'string' ? new URL(url, 'http://localhost') : url).searchParams;
  return {
    command: q.getAll('command'),
    container: q.get('container') ?? '',
    stdin: queryBool(q, 'stdin'),
    stdout: queryBool(q, 'stdout'),
    stderr: queryBool(q, 'stderr'),
    tty: queryBool(q, 'tty'),
  };
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * Answers a SPDY upgrade (kubectl ≤1.29, or KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) with a Status
 * kubectl prints as `Error from server (MethodNotAllowed): …`. Also the answer for any non-WebSocket upgrade.
 */
export function refuseSpdy(_req: IncomingMessage, socket: Duplex): void {
  writeRawStatus(
    socket,
    httpStatus(
      405,
      'MethodNotAllowed',
      `SPDY is not supported by irsa-local: exec needs the WebSocket protocol ${V5_CHANNEL_PROTOCOL} (kubectl 1.30 or later, without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)`,
    ),
  );
}

let server: WebSocketServer | undefined;
function wss(): WebSocketServer {
  server ??= new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(V5_CHANNEL_PROTOCOL) ? V5_CHANNEL_PROTOCOL : false),
  });
  return server;
}

/**
 * Serves one exec upgrade (the HTTP server's 'upgrade' event). Refusals before the upgrade are
 * JSON Status answers; after it, every outcome is a channel-3 Status and a close 1000.
 */
export function handleExecUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ExecUpgradeContext): void {
  if (!isWebSocketUpgrade(req)) return refuseSpdy(req, socket);
  const refuse = (message: string): void => writeRawStatus(socket, httpStatus(400, 'BadRequest', message));
  const offered = offeredProtocols(req);
  if (!offered.includes(V5_CHANNEL_PROTOCOL)) {
    return refuse(`exec needs the WebSocket subprotocol ${V5_CHANNEL_PROTOCOL} (kubectl 1.30 or later); offered: ${offered.join(', ') || 'none'}`);
  }
  if (ctx.command.length === 0) return refuse('you must specify at least one command for the container');
  if (!ctx.stdin && !ctx.stdout && !ctx.stderr) return refuse('you must specify at least 1 of stdin, stdout, stderr');
  wss().handleUpgrade(req, socket, head, (ws) => {
    new ExecStream(ws, ctx).start().catch((e: unknown) => ctx.log?.(`exec: ${e instanceof Error ? e.message : String(e)}`));
  });
}

class ExecStream {
  private proc: PodProcess | undefined;
  private session: ExecSession | undefined;
  private readonly early: Buffer[] = [];
  private size = { cols: 0, rows: 0 };
  /** Resolves on the first resize message, valid or not: the client has said what it knows. */
  private sizeHeard!: () => void;
  private readonly firstResize = new Promise<void>((resolve) => (this.sizeHeard = resolve));
  private readonly paused = new Set<Readable>();
  private done = false;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: ExecUpgradeContext,
  ) {
    ws.on('error', () => undefined); // 'close' follows
    ws.on('message', (data: RawData) => this.onMessage(toBuffer(data)));
    ws.on('close', () => {
      this.closed = true;
      if (this.done) return;
      // The client went away first (kubectl killed, network dropped): nothing may outlive the session.
      this.done = true;
      this.ctx.log?.(`exec ${this.ctx.command.join(' ')}: client closed the connection; killing the process group`);
      this.proc?.kill('SIGKILL');
      this.stopSession();
    });
  }

  async start(): Promise<void> {
    const { ctx } = this;
    try {
      this.session = await ctx.prepare(ctx.pod, ctx.container, { tty: ctx.tty });
    } catch (e) {
      return this.finish(failureStatus(`cannot prepare container ${ctx.container}: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (this.done) return this.stopSession();
    if (ctx.tty) {
      try {
        await loadPty();
      } catch (e) {
        return this.finish(failureStatus(`a TTY is unavailable (node-pty did not load: ${e instanceof Error ? e.message : String(e)})`));
      }
      // kubectl sends the terminal's size as its first message; starting the shell before it
      // lands would have it draw for 80×24 (a race real clusters lose under load). Bounded, so a
      // client that never sends a size still gets its command.
      await waitBounded(this.firstResize, FIRST_RESIZE_WAIT_MS);
      if (this.done) return this.stopSession();
    }
    const proc = runInPod({
      pod: ctx.pod,
      container: ctx.container,
      command: ctx.command,
      env: this.session.env,
      cwd: this.session.cwd,
      stdin: ctx.stdin ? 'pipe' : 'ignore',
      stdout: ctx.stdout ? 'pipe' : 'ignore',
      stderr: ctx.stderr ? 'pipe' : 'ignore',
      tty: ctx.tty ? this.size : undefined,
    });
    this.proc = proc;
    const outputs: Readable[] = [];
    if (proc.stdout) outputs.push(this.pump(proc.stdout, CHANNEL.stdout));
    if (proc.stderr && !ctx.tty) outputs.push(this.pump(proc.stderr, CHANNEL.stderr));
    for (const m of this.early.splice(0)) this.onMessage(m);
    try {
      const [result] = await Promise.all([proc.exit, ...outputs.map((s) => finished(s).catch(() => undefined))]);
      this.finish(exitStatus(ctx.command, result.code));
    } catch (e) {
      this.finish(failureStatus(`failed to exec in container: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private pump(stream: Readable, channel: number): Readable {
    stream.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.send(channel, chunk);
      if (this.ws.bufferedAmount > HIGH_WATER) {
        stream.pause();
        this.paused.add(stream);
      }
    });
    return stream;
  }

  private send(channel: number, payload: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(Buffer.concat([Buffer.of(channel), payload]), { binary: true }, () => {
      if (this.paused.size && this.ws.bufferedAmount < LOW_WATER) {
        for (const s of this.paused) s.resume();
        this.paused.clear();
      }
    });
  }

  private onMessage(msg: Buffer): void {
    if (msg.length === 0 || this.done) return;
    const channel = msg[0];
    const payload = msg.subarray(1);
    if (channel === CHANNEL.resize) return this.resize(payload);
    const proc = this.proc;
    if (!proc) {
      this.early.push(msg);
      return;
    }
    if (channel === CHANNEL.stdin && this.ctx.stdin) {
      proc.write(payload);
      const stdin = proc.stdin;
      if (stdin && stdin.writableLength > STDIN_HIGH_WATER && !this.ws.isPaused) {
        this.ws.pause();
        stdin.once('drain', () => this.ws.resume());
        stdin.once('close', () => this.ws.resume());
      }
    } else if (channel === CHANNEL.close && payload[0] === CHANNEL.stdin) {
      proc.endInput();
    }
  }

  private resize(payload: Buffer): void {
    this.sizeHeard();
    try {
      const { Width, Height } = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
      const cols = Number(Width);
      const rows = Number(Height);
      // kubectl under `script` without a size sends 0×0 first; node-pty throws on it.
      if (!(cols > 0 && rows > 0)) return;
      this.size = { cols, rows };
      this.proc?.resize(cols, rows);
    } catch {
      // Not JSON: ignore, as the kubelet logs and goes on.
    }
  }

  private finish(status: Status): void {
    if (this.done) return;
    this.done = true;
    this.send(CHANNEL.error, Buffer.from(JSON.stringify(status)));
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    this.stopSession();
  }

  private stopSession(): void {
    const s = this.session;
    this.session = undefined;
    Promise.resolve(s?.stop?.()).catch((e: unknown) => this.ctx.log?.(`exec: stopping the pod session: ${String(e)}`));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * The embedded API's exec hook (kube/api `ExecHandler`): it has resolved the pod and validated
 * the container; the stream flags and command come from the request's query.
 */
export function execUpgradeHandler(
  prepare: PrepareExec,
  log?: (message: string) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, container: string) => void {
  return (req, socket, head, pod, container) => handleExecUpgrade(req, socket, head, { ...parseExecQuery(req.url ?? '/'), container, pod, prepare, log });
}
