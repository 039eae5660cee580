import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseExecQuery } from '../../../src/kube/exec/websocket.js';
import { exec, execPath, openExec, startExecServer, type ExecServer } from './exec-client.js';
import { alive } from './fixtures.js';

let srv: ExecServer;
const scratch = mkdtempSync(join(tmpdir(), 'irsa-ws-'));
before(async () => {
  srv = await startExecServer();
});
after(async () => {
  await srv.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('parseExecQuery', () => {
  it('decodes repeated command parameters (+ for spaces) and missing flags as false', () => {
    const q = parseExecQuery('/api/v1/namespaces/demo/pods/mypod/exec?command=sh&command=-c&command=echo+out%3B+echo+err+%3E%262%3B+exit+3&container=main&stderr=true&stdout=true');
    assert.deepEqual(q, { command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], container: 'main', stdin: false, stdout: true, stderr: true, tty: false });
    assert.equal(parseExecQuery('/x?tty=1&stdin=True').tty, true);
    assert.equal(parseExecQuery('/x?tty=yes').tty, false);
  });
});

describe('exec over WebSocket v5.channel.k8s.io', () => {
  it('separates stdout and stderr; exit 3 is a NonZeroExitCode Failure with the ExitCode cause; close 1000', async () => {
    const r = await exec(srv.url, execPath(['sh', '-c', 'echo out; echo err >&2; exit 3']));
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(r.stderr.toString(), 'err\n');
    assert.deepEqual(r.status, {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.equal(r.closeCode, 1000);
    assert.equal(r.textFrames, 0, 'binary frames only');
    assert.deepEqual([...r.channels].sort(), [1, 2, 3]);
  });

  it('exit 0 is {"metadata":{},"status":"Success"}', async () => {
    const r = await exec(srv.url, execPath(['true']));
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
    assert.equal(r.closeCode, 1000);
  });

  it('a signal death reports 128+signal (SIGKILL → 137)', async () => {
    const r = await exec(srv.url, execPath(['sh', '-c', 'kill -KILL $$']));
    assert.deepEqual((r.status?.['details'] as { causes: unknown[] }).causes, [{ reason: 'ExitCode', message: '137' }]);
  });

  it('stdin EOF is `ff 00`: cat ends after echoing its input', async () => {
    const r = await exec(srv.url, execPath(['cat'], { stdin: true }), 'hello\n');
    assert.equal(r.stdout.toString(), 'hello\n');
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  });

  it('with only `ff 00` (kubectl -i </dev/null) the command sees EOF at once', async () => {
    const r = await exec(srv.url, execPath(['wc', '-c'], { stdin: true }), '');
    assert.equal(r.stdout.toString().trim(), '0');
  });

  it('round-trips 5 MB of random bytes through cat (sha256 equal)', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const r = await exec(srv.url, execPath(['cat'], { stdin: true }), data);
    assert.equal(r.stdout.length, data.length);
    assert.equal(createHash('sha256').update(r.stdout).digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  });

  it('20 MB of stdout arrives complete with the exit code preserved', async () => {
    const r = await exec(srv.url, execPath(['sh', '-c', 'head -c 20000000 /dev/zero; exit 4']));
    assert.equal(r.stdout.length, 20_000_000);
    assert.equal((r.status?.['details'] as { causes: { message: string }[] }).causes[0]?.message, '4');
  });

  it('TTY: output on channel 1 only, initial size and resizes applied, 0×0 ignored', async () => {
    const c = await openExec(srv.url, execPath(['sh', '-c', 'tty; stty size; read x; stty size; echo err >&2; exit 7'], { stdin: true, tty: true }));
    c.resize(0, 0);
    c.resize(100, 30);
    await c.waitFor(/30 100/);
    c.resize(132, 43);
    await new Promise((r) => setTimeout(r, 100));
    c.send(0, '\r');
    const r = await c.done;
    const text = r.stdout.toString();
    // The first `stty size` already sees the client's size: the shell waits for it.
    assert.match(text, /^\/dev\/pts\/\d+\r\n30 100\r\n/);
    assert.match(text, /43 132\r\n/);
    assert.match(text, /err\r\n/);
    assert.equal(r.stderr.length, 0);
    assert.deepEqual([...r.channels].sort(), [1, 3], 'nothing on channel 2 under a TTY');
    assert.equal((r.status?.['details'] as { causes: { message: string }[] }).causes[0]?.message, '7');
    assert.deepEqual(srv.prepared.at(-1), { container: 'main', tty: true });
  });

  it('TTY: a late first size is still the one the command starts with; no size at all still runs (80×24)', async () => {
    const late = await openExec(srv.url, execPath(['sh', '-c', 'stty size'], { tty: true }));
    await new Promise((r) => setTimeout(r, 150));
    late.resize(90, 20);
    assert.match((await late.done).stdout.toString(), /^20 90\r\n/);
    const none = await openExec(srv.url, execPath(['sh', '-c', 'stty size'], { tty: true }));
    assert.match((await none.done).stdout.toString(), /^24 80\r\n/);
  });

  it('TTY: Ctrl-C (0x03) interrupts the foreground command, and TERM is xterm by default', async () => {
    const c = await openExec(srv.url, execPath(['sh', '-c', 'echo term=$TERM; trap "echo int; exit 130" INT; echo ready; while :; do sleep 0.1; done'], { stdin: true, tty: true }));
    c.resize(80, 24);
    await c.waitFor(/ready/);
    c.send(0, Buffer.of(3));
    const r = await c.done;
    assert.match(r.stdout.toString(), /term=xterm/);
    assert.equal((r.status?.['details'] as { causes: { message: string }[] }).causes[0]?.message, '130');
  });

  it('refuses another subprotocol with a 400 Status before anything runs', async () => {
    const marker = join(scratch, 'ran-v4');
    const before = srv.prepared.length;
    await assert.rejects(openExec(srv.url, execPath(['touch', marker]), 'v4.channel.k8s.io'), (e: { statusCode?: number; body?: string }) => {
      assert.equal(e.statusCode, 400);
      const s = JSON.parse(e.body ?? '{}') as { kind: string; reason: string; message: string };
      assert.equal(s.kind, 'Status');
      assert.equal(s.reason, 'BadRequest');
      assert.match(s.message, /v5\.channel\.k8s\.io.*offered: v4\.channel\.k8s\.io/);
      return true;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(marker), false, 'the command did not run');
    assert.equal(srv.prepared.length, before, 'the environment was not even prepared');
  });

  it('refuses SPDY (the fallback POST) with a 405 JSON Status on the raw socket', async () => {
    const port = new URL(srv.url).port;
    const res = await new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: execPath(['true']),
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': ['v5.channel.k8s.io', 'v4.channel.k8s.io'], 'Content-Length': '0' },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body, type: String(r.headers['content-type']) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 405);
    assert.equal(res.type, 'application/json');
    const s = JSON.parse(res.body) as { reason: string; message: string; code: number };
    assert.equal(s.reason, 'MethodNotAllowed');
    assert.equal(s.code, 405);
    assert.match(s.message, /SPDY is not supported/);
  });

  it('refuses an exec without a command or without any stream', async () => {
    await assert.rejects(openExec(srv.url, '/api/v1/namespaces/demo/pods/mypod/exec?container=main&stdout=true'), (e: { statusCode?: number; body?: string }) => e.statusCode === 400 && /at least one command/.test(e.body ?? ''));
    await assert.rejects(openExec(srv.url, '/api/v1/namespaces/demo/pods/mypod/exec?command=true&container=main'), (e: { statusCode?: number; body?: string }) => e.statusCode === 400 && /at least 1 of stdin, stdout, stderr/.test(e.body ?? ''));
  });

  it('kills the whole process group when the client drops, and stops the session', async () => {
    const c = await openExec(srv.url, execPath(['sh', '-c', 'sleep 300 & echo $!; wait']));
    await c.waitFor(/^\d+\n/);
    const grandchild = Number(c.stdout().trim());
    const session = srv.prepared.length;
    assert.ok(alive(grandchild));
    c.ws.terminate();
    await until(() => !alive(grandchild), 'the orphaned sleep to die');
    await until(() => srv.stopped.includes(session), 'the session to stop');
  });

  it('a command that cannot start is a Failure Status naming it, then close 1000', async () => {
    const r = await exec(srv.url, execPath(['nosuchcmd-irsa', 'x']));
    assert.equal(r.status?.['status'], 'Failure');
    assert.equal(r.status?.['reason'], 'InternalError');
    assert.match(String(r.status?.['message']), /^failed to exec in container: exec: "nosuchcmd-irsa": executable file not found in \$PATH$/);
    assert.equal(r.status?.['details'], undefined, 'no ExitCode: kubectl prints the message and exits 1');
    assert.equal(r.closeCode, 1000);
  });

  it('a failure to prepare the container is a Failure Status', async () => {
    const failing = await startExecServer(() => Promise.reject(new Error('secret "db" not found')));
    try {
      const r = await exec(failing.url, execPath(['true']));
      assert.equal(r.status?.['status'], 'Failure');
      assert.match(String(r.status?.['message']), /cannot prepare container main: secret "db" not found/);
      assert.equal(r.closeCode, 1000);
    } finally {
      await failing.close();
    }
  });
});
