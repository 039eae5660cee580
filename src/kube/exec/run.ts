/**
 * Runs a command "in a pod": on this machine, with the environment built for the pod's container.
 * Without a TTY it is a plain child process; with one it runs on a pseudo-terminal (node-pty,
 * loaded only then). The child leads its own process group (`detached`, or the pty's session),
 * so `kill()` reaches the grandchildren too: a shell's `sleep` would otherwise outlive an aborted exec.
 * Exit codes follow the runtimes: the exit status, or 128+signal for a signal death.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { KubeObject } from '../contracts.js';
import { PodRunnerError } from './errors.js';

export type StdioMode = 'pipe' | 'inherit' | 'ignore';

export interface RunInPodOptions {
  /** For messages only. */
  readonly pod?: KubeObject;
  readonly container?: string;
  /** argv; `command[0]` is looked up in the env's PATH like execvp. */
  readonly command: readonly string[];
  /** The complete environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Without tty; default 'pipe'. */
  readonly stdin?: StdioMode;
  readonly stdout?: StdioMode;
  readonly stderr?: StdioMode;
  /** Run on a pseudo-terminal of this size: all output is on `stdout`, input goes through `write`. */
  readonly tty?: { readonly cols: number; readonly rows: number };
  /** Own process group (default true). `irsa exec` on a terminal keeps job control by passing false. */
  readonly detached?: boolean;
}

export interface ExitResult {
  /** 0–255: the exit status, or 128+N for signal N. */
  readonly code: number;
  readonly signal?: NodeJS.Signals;
}

export interface PodProcess {
  readonly pid: number | undefined;
  /** Writable stdin (pipe mode without tty), else null: use `write`/`endInput`. */
  readonly stdin: Writable | null;
  /** stdout; with a tty, everything the terminal prints. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Input to the tty or to stdin; false asks the caller to wait for 'drain' on `stdin` (no tty). */
  write(data: Buffer | string): boolean;
  /** EOF on stdin (ignored with a tty, where EOF is a ^D the user types). */
  endInput(): void;
  /** Resizes the tty; 0×0 (kubectl under `script` without a size) and no-tty are ignored. */
  resize(cols: number, rows: number): void;
  /** Signals the whole process group; default SIGKILL. Safe after exit. */
  kill(signal?: NodeJS.Signals): void;
  /** Settles after the process has exited and its output has been read. Rejects with `SpawnFailed`. */
  readonly exit: Promise<ExitResult>;
}

/** 128 + signal number, as runc and shells report a signal death. */
export function signalExitCode(signal: NodeJS.Signals | number): number {
  const n = typeof signal === 'number' ? signal : (osConstants.signals[signal] ?? 0);
  return 128 + n;
}

function isExecutableFile(p: string): 'ok' | 'EACCES' | 'ENOENT' {
  try {
    if (!statSync(p).isFile()) return 'EACCES';
    accessSync(p, fsConstants.X_OK);
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'EACCES' : 'ENOENT';
  }
}

/** execvp's lookup: a name with `/` is a path (relative to cwd), else the first executable in PATH. */
export function resolveExecutable(file: string, path: string | undefined, cwd: string): string {
  const spawnError = (code: 'ENOENT' | 'EACCES'): PodRunnerError => {
    const why = code === 'ENOENT' ? (file.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH') : 'permission denied';
    const err = new PodRunnerError('SpawnFailed', `exec: "${file}": ${why}`);
    (err as PodRunnerError & { errno: string }).errno = code;
    return err;
  };
  if (!file) throw spawnError('ENOENT');
  if (file.includes('/')) {
    const p = isAbsolute(file) ? file : resolve(cwd, file);
    const r = isExecutableFile(p);
    if (r !== 'ok') throw spawnError(r);
    return p;
  }
  let denied = false;
  for (const dir of (path ?? '').split(delimiter)) {
    const p = join(resolve(cwd, dir || '.'), file);
    const r = isExecutableFile(p);
    if (r === 'ok') return p;
    if (r === 'EACCES') denied = true;
  }
  throw spawnError(denied ? 'EACCES' : 'ENOENT');
}

/** The shell's status for a command that could not start: 127 not found, 126 not executable. */
export function spawnFailureExitCode(e: unknown): number {
  return (e as { errno?: string }).errno === 'EACCES' ? 126 : 127;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals, group: boolean, child?: ChildProcess): void {
  if (pid === undefined) return;
  try {
    if (group) process.kill(-pid, signal);
    else child?.kill(signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Starts the command. Spawn failures (not found, not executable) reject `exit`; nothing throws. */
export function runInPod(options: RunInPodOptions): PodProcess {
  const cwd = options.cwd ?? options.env['HOME'] ?? process.cwd();
  let file: string;
  try {
    file = resolveExecutable(options.command[0] ?? '', options.env['PATH'], cwd);
  } catch (e) {
    const exit = Promise.reject(e);
    exit.catch(() => undefined);
    return { pid: undefined, stdin: null, stdout: null, stderr: null, write: () => true, endInput() {}, resize() {}, kill() {}, exit };
  }
  return options.tty ? runOnPty(file, options, cwd, options.tty) : runPiped(file, options, cwd);
}

function runPiped(file: string, options: RunInPodOptions, cwd: string): PodProcess {
  const detached = options.detached ?? true;
  const child = spawn(file, options.command.slice(1), {
    argv0: options.command[0],
    cwd,
    env: { ...options.env },
    detached,
    stdio: [options.stdin ?? 'pipe', options.stdout ?? 'pipe', options.stderr ?? 'pipe'],
  });
  // A write after the child closed its stdin (EPIPE) is the child's choice, not an error.
  child.stdin?.on('error', () => undefined);
  const exit = new Promise<ExitResult>((resolveExit, reject) => {
    child.once('error', (e) => reject(new PodRunnerError('SpawnFailed', `exec: "${options.command[0] ?? ''}": ${e.message}`, e)));
    child.once('close', (code, signal) => {
      if (code === null && signal === null) return; // after 'error'
      resolveExit(signal ? { code: signalExitCode(signal), signal } : { code: code ?? 0 });
    });
  });
  exit.catch(() => undefined);
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    write: (d) => child.stdin?.write(d) ?? true,
    endInput: () => child.stdin?.end(),
    resize() {},
    kill: (signal = 'SIGKILL') => killGroup(child.pid, signal, detached, child),
    exit,
  };
}

interface PtyLike {
  readonly pid: number;
  onData(cb: (d: Buffer | string) => void): unknown;
  onExit(cb: (e: { exitCode: number; signal?: number }) => void): unknown;
  write(d: string | Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** node-pty's EventEmitter side: 'close' when the pty's fd is closed (before onExit). */
  on?(event: 'close', cb: () => void): unknown;
}

type PtySpawn = (file: string, args: string[], opts: Record<string, unknown>) => PtyLike;
let ptySpawn: PtySpawn | undefined;

/** Loads node-pty (a native addon) once; called before runInPod with a tty. */
export async function loadPty(): Promise<void> {
  if (ptySpawn) return;
  const mod = (await import('node-pty')) as unknown as { spawn?: PtySpawn; default?: { spawn: PtySpawn } };
  ptySpawn = mod.spawn ?? mod.default?.spawn;
  if (!ptySpawn) throw new Error('node-pty has no spawn()');
}

function runOnPty(file: string, options: RunInPodOptions, cwd: string, size: { cols: number; rows: number }): PodProcess {
  if (!ptySpawn) {
    const exit = Promise.reject(new PodRunnerError('SpawnFailed', 'a TTY needs node-pty: call loadPty() first'));
    exit.catch(() => undefined);
    return { pid: undefined, stdin: null, stdout: null, stderr: null, write: () => true, endInput() {}, resize() {}, kill() {}, exit };
  }
  const term = ptySpawn(file, options.command.slice(1), {
    name: options.env['TERM'] ?? 'xterm',
    cols: size.cols > 0 ? size.cols : 80,
    rows: size.rows > 0 ? size.rows : 24,
    cwd,
    env: { ...options.env },
    // Raw bytes both ways: a tty carries whatever the program writes, UTF-8 or not.
    encoding: null,
  });
  const out = new PassThrough();
  let exited = false;
  // After the fd closes, a write would only log EBADF (node-pty's console.error): drop late input.
  term.on?.('close', () => (exited = true));
  term.onData((d) => {
    if (!out.write(d)) {
      term.pause();
      out.once('drain', () => term.resume());
    }
  });
  const exit = new Promise<ExitResult>((resolveExit) => {
    term.onExit(({ exitCode, signal }) => {
      exited = true;
      // node-pty reports exit once the pty's output has been read; end our copy after it.
      setImmediate(() => {
        out.end();
        resolveExit(signal ? { code: signalExitCode(signal), signal: signalName(signal) } : { code: exitCode });
      });
    });
  });
  return {
    pid: term.pid,
    stdin: null,
    stdout: out,
    stderr: null,
    write: (d) => {
      if (!exited) term.write(d);
      return true;
    },
    endInput() {},
    resize: (cols, rows) => {
      if (cols > 0 && rows > 0 && !exited) term.resize(cols, rows);
    },
    kill: (signal = 'SIGKILL') => {
      if (!exited) killGroup(term.pid, signal, true);
    },
    exit,
  };
}

function signalName(n: number): NodeJS.Signals | undefined {
  return (Object.entries(osConstants.signals) as [NodeJS.Signals, number][]).find(([, v]) => v === n)?.[0];
}
