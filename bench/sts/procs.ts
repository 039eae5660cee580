/**
 * Child processes of the STS benchmark: irsa-local from dist/, the OIDC issuer, moto_server, a
 * trivial Node HTTP server, and wrk. Each server runs in its own process, so the load generator,
 * the issuer and the servers never share an event loop.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../../test/support/shared.js';

export interface Child {
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr). */
  readonly output: () => string;
  /** SIGTERM (then SIGKILL after `graceMs`), resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

const running = new Set<Child>();

/** CPU lists for `taskset -c` (`--pin`): servers on one set, wrk on the other. */
let pinning: { readonly server: string; readonly load: string } | undefined;
export function pinCpus(p: { server: string; load: string } | undefined): void {
  pinning = p;
}
const pinned = (cpus: string | undefined, cmd: string, args: readonly string[]): [string, string[]] => (cpus === undefined ? [cmd, [...args]] : ['taskset', ['-c', cpus, cmd, ...args]]);
process.once('exit', () => {
  for (const c of running) killTree(c.child, 'SIGKILL');
});

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    // Started with `detached`, so the child leads its own process group (moto_server is a pyenv shim).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Spawns `cmd args`, waits until `ready` matches its stdout (or stderr), returns the match. */
export async function startChild(
  name: string,
  cmd: string,
  args: readonly string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; keepStdin?: boolean } = {},
): Promise<{ proc: Child; match: RegExpExecArray }> {
  const [file, argv] = pinned(pinning?.server, cmd, args);
  const child = spawn(file, argv, {
    cwd: repoRoot,
    env: options.env ?? process.env,
    stdio: [options.keepStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const proc: Child = {
    child,
    output: () => out,
    stop: (graceMs = 10_000) =>
      new Promise((resolve) => {
        running.delete(proc);
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const t = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
        child.once('exit', (code) => {
          clearTimeout(t);
          resolve(code);
        });
        killTree(child, 'SIGTERM');
      }),
  };
  running.add(proc);
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 60_000} ms:\n${out}`)), options.timeoutMs ?? 60_000);
    const check = (): void => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        resolve(m);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${name}: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? `code ${String(code)}`}) before it was ready:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  return { proc, match };
}

export interface IdpInfo {
  readonly issuer: string;
  readonly host: string;
  readonly thumbprint: string;
  readonly tokens: string[];
}

/** The OIDC issuer (bench/sts/idp-process.ts) in its own process; stdin is held open to keep it alive. */
export async function startIssuer(tokens: number, ttlSeconds: number, sub: string): Promise<{ proc: Child; info: IdpInfo; counts: () => Promise<Record<string, number>> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'sts', 'idp-process.ts'), '--tokens', String(tokens), '--ttl', String(ttlSeconds), '--sub', sub], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  lines.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const nextLine = (timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const l = queue.shift();
      if (l !== undefined) return resolve(l);
      const t = setTimeout(() => reject(new Error(`OIDC issuer: no output within ${timeoutMs} ms:\n${err}`)), timeoutMs);
      waiters.push((x) => {
        clearTimeout(t);
        resolve(x);
      });
    });
  const proc: Child = {
    child,
    output: () => err,
    stop: () =>
      new Promise((resolve) => {
        running.delete(proc);
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.stdin?.end();
      }),
  };
  running.add(proc);
  const info = JSON.parse(await nextLine(60_000)) as IdpInfo;
  return {
    proc,
    info,
    counts: async () => {
      const done = nextLine(10_000);
      child.stdin?.end();
      const parsed = JSON.parse(await done) as { counts: Record<string, number> };
      await proc.stop();
      return parsed.counts;
    },
  };
}

/** A free TCP port on 127.0.0.1 (for servers that cannot report the port they picked). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

/** The machine's ceiling: Node's http server answering 200 "ok" to everything, nothing else. */
export const TRIVIAL_SERVER = [
  "const http = require('node:http');",
  "const s = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end('ok')); });",
  's.keepAliveTimeout = 65000;',
  "s.listen(0, '127.0.0.1', () => console.log('listening on ' + s.address().port));",
].join('\n');

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly bytes: number;
  readonly non2xx: number;
  /** Non-2xx counts by status, per wrk thread. */
  readonly non2xxByThread: Record<string, number>[];
  readonly errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** Microseconds. */
  readonly latency: { mean: number; stdev: number; max: number; p50: number; p90: number; p99: number; p999: number };
  /** wrk's own report, verbatim. */
  readonly text: string;
}

export interface WrkSettings {
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
}

export function wrkArgs(s: WrkSettings, url: string, tokensFile: string, roleArn: string): string[] {
  return [`-t${s.threads}`, `-c${s.connections}`, `-d${s.seconds}s`, '--latency', '-s', join('bench', 'sts', 'assume.lua'), url, '--', tokensFile, roleArn, 'bench-session'];
}

/** Runs wrk with bench/sts/assume.lua and parses the `WRKJSON` line its `done` hook prints. */
export function runWrk(s: WrkSettings, url: string, tokensFile: string, roleArn: string): Promise<WrkResult> {
  return runWrkArgs(wrkArgs(s, url, tokensFile, roleArn));
}

/** Runs wrk with any script whose `done` hook prints the `WRKJSON` line (see bench/sts/assume.lua). */
export function runWrkScript(s: WrkSettings, url: string, script: string, scriptArgs: readonly string[]): Promise<WrkResult> {
  return runWrkArgs([`-t${s.threads}`, `-c${s.connections}`, `-d${s.seconds}s`, '--latency', '-s', script, url, '--', ...scriptArgs]);
}

function runWrkArgs(args: string[]): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const [file, argv] = pinned(pinning?.load, 'wrk', args);
    const child = spawn(file, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = /^WRKJSON (.*)$/m.exec(out);
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${String(code)}):\n${out}\n${err}`));
      const j = JSON.parse(line[1] as string) as {
        requests: number;
        duration_us: number;
        bytes: number;
        non2xx: number;
        non2xx_by_thread: Record<string, number>[];
        errors: WrkResult['errors'];
        latency_us: WrkResult['latency'];
      };
      const seconds = j.duration_us / 1e6;
      resolve({
        requests: j.requests,
        seconds,
        perSecond: j.requests / seconds,
        bytes: j.bytes,
        non2xx: j.non2xx,
        non2xxByThread: j.non2xx_by_thread,
        errors: j.errors,
        latency: j.latency_us,
        text: out.replace(/^WRKJSON .*\n?/m, ''),
      });
    });
  });
}

/** True when `wrk` can be run. */
export function haveWrk(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return !r.error && /wrk/.test(`${r.stdout}${r.stderr}`);
}

/** `export K='v'` lines (what `irsa env` prints) as a map. */
export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_]+)='((?:[^']|'\\'')*)'$/gm)) env[m[1] as string] = (m[2] as string).replace(/'\\''/g, "'");
  return env;
}

/** `irsa up`'s banner line naming the AWS endpoint (the list of services in brackets grows). */
export const AWS_ENDPOINT_BANNER = /AWS endpoint(?: \([^)]*\))?: (http:\/\/\S+)/;
