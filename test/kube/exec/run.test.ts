import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { PodRunnerError } from '../../../src/kube/exec/errors.js';
import { loadPty, resolveExecutable, runInPod, signalExitCode, spawnFailureExitCode } from '../../../src/kube/exec/run.js';
import { alive } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'irsa-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir };

async function collect(s: Readable | null): Promise<string> {
  let out = '';
  for await (const c of s ?? []) out += (c as Buffer).toString();
  return out;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runInPod', () => {
  it('runs with exactly the given environment, in HOME by default', async () => {
    const p = runInPod({ command: ['sh', '-c', 'env | sort; pwd'], env: { ...ENV, AWS_ROLE_ARN: 'arn:x' }, stdin: 'ignore' });
    const [out, r] = await Promise.all([collect(p.stdout), p.exit]);
    const lines = out.trim().split('\n');
    assert.equal(lines.at(-1), dir);
    const names = lines.slice(0, -1).map((l) => l.split('=')[0]).filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n ?? ''));
    assert.deepEqual(names.sort(), ['AWS_ROLE_ARN', 'HOME', 'PATH']);
    assert.equal(r.code, 0);
  });

  const codes: [string, string[], number][] = [
    ['exit 0', ['true'], 0],
    ['exit 3', ['sh', '-c', 'exit 3'], 3],
    ['exit 255', ['sh', '-c', 'exit 255'], 255],
    ['SIGKILL → 137', ['sh', '-c', 'kill -KILL $$'], 137],
    ['SIGTERM → 143', ['sh', '-c', 'kill -TERM $$'], 143],
  ];
  for (const [name, command, want] of codes) {
    it(`exit code: ${name}`, async () => assert.equal((await runInPod({ command, env: ENV, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }).exit).code, want));
  }

  it('signalExitCode is 128+N', () => {
    assert.equal(signalExitCode('SIGKILL'), 137);
    assert.equal(signalExitCode('SIGINT'), 130);
    assert.equal(signalExitCode(15), 143);
  });

  it('kill() reaches the grandchildren (the whole process group)', async () => {
    const p = runInPod({ command: ['sh', '-c', 'sleep 300 & echo $!; wait'], env: ENV, stdin: 'ignore' });
    const pid = await new Promise<number>((resolve) => p.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    assert.ok(alive(pid));
    p.kill();
    assert.equal((await p.exit).code, 137);
    await until(() => !alive(pid), 'sleep to die');
  });

  it('a missing command rejects with SpawnFailed (shell exit 127); a non-executable one with 126', async () => {
    await assert.rejects(runInPod({ command: ['nosuchcmd-irsa'], env: ENV }).exit, (e: unknown) => {
      assert.ok(e instanceof PodRunnerError && e.code === 'SpawnFailed');
      assert.equal(e.message, 'exec: "nosuchcmd-irsa": executable file not found in $PATH');
      assert.equal(spawnFailureExitCode(e), 127);
      return true;
    });
    const script = join(dir, 'not-exec.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    await assert.rejects(runInPod({ command: [script], env: ENV }).exit, (e: unknown) => spawnFailureExitCode(e) === 126 && /permission denied/.test((e as Error).message));
    await assert.rejects(runInPod({ command: [join(dir, 'absent')], env: ENV }).exit, /no such file or directory/);
  });

  it('resolveExecutable follows execvp: PATH order, names with a slash relative to cwd', () => {
    const bin = join(dir, 'bin');
    rmSync(bin, { recursive: true, force: true });
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(resolveExecutable('sh', '/nonexistent:/bin:/usr/bin', dir), '/bin/sh');
    assert.equal(resolveExecutable('./tool', '', dir), join(dir, 'tool'));
    assert.equal(resolveExecutable('tool', `/nonexistent:${dir}`, '/'), join(dir, 'tool'));
    assert.throws(() => resolveExecutable('tool', '/usr/bin', '/'), /executable file not found/);
  });

  it('pipes stdin; endInput() is EOF', async () => {
    const p = runInPod({ command: ['tr', 'a-z', 'A-Z'], env: ENV });
    p.write('hello ');
    p.write(Buffer.from('world\n'));
    p.endInput();
    assert.equal(await collect(p.stdout), 'HELLO WORLD\n');
    assert.equal((await p.exit).code, 0);
  });

  it('TTY: runs on a pty of the given size, stderr merged, resize applies', async () => {
    await loadPty();
    const p = runInPod({ command: ['sh', '-c', 'tty; stty size; echo err >&2; read x; stty size; exit 5'], env: ENV, tty: { cols: 90, rows: 20 } });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => /err/.test(out), 'first output');
    p.resize(0, 0);
    p.resize(120, 40);
    p.write('\r');
    const r = await p.exit;
    assert.match(out, /^\/dev\/pts\/\d+\r\n20 90\r\nerr\r\n/);
    assert.match(out, /40 120\r\n$/);
    assert.equal(r.code, 5);
  });
});
