import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PodRunnerError } from '../../../src/kube/exec/errors.js';
import type { ProjectedTokenSpec } from '../../../src/kube/exec/projected-volumes.js';
import { refreshDelayMs, TokenProjector, writeFileAtomic, type ProjectorClock, type RequestToken } from '../../../src/kube/exec/token-projector.js';

/** A clock whose timers fire only when the test advances time. */
class FakeClock implements ProjectorClock {
  t = Date.parse('2026-01-01T00:00:00Z');
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  schedule(fn: () => void, ms: number): () => void {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id);
    };
  }
  get pending(): number[] {
    return this.timers.map((x) => x.at - this.t).sort((a, b) => a - b);
  }
  /** Advances to `ms` from now, firing due timers in order, letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Waits (real time) for the file writes a fired timer started. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const content = (f: string) => readFileSync(f, 'utf8');

const root = mkdtempSync(join(tmpdir(), 'irsa-projector-'));
after(() => rmSync(root, { recursive: true, force: true }));

function spec(dir: string, over: Partial<ProjectedTokenSpec> = {}): ProjectedTokenSpec {
  return {
    volume: 'aws-iam-token',
    path: 'token',
    hostFile: join(root, dir, 'volumes', 'aws-iam-token', 'token'),
    namespace: 'demo',
    serviceAccount: 'app',
    audiences: ['sts.amazonaws.com'],
    expirationSeconds: 3600,
    pod: { name: 'app-1', uid: 'uid-1' },
    ...over,
  };
}

/** A TokenRequest callback issuing `tok-N` valid for the requested lifetime (or `ttl` seconds). */
function issuer(clock: FakeClock, ttl?: number) {
  const calls: { namespace: string; sa: string; options: Parameters<RequestToken>[2] }[] = [];
  let fail = 0;
  const requestToken: RequestToken = async (namespace, sa, options) => {
    calls.push({ namespace, sa, options });
    if (fail > 0) {
      fail--;
      throw new Error('apiserver unavailable');
    }
    return { token: `tok-${calls.length}`, expirationTimestamp: new Date(clock.now() + (ttl ?? options.expirationSeconds) * 1000) };
  };
  return { calls, requestToken, failNext: (n: number) => (fail = n) };
}

describe('refreshDelayMs (kubelet: 80% of the lifetime, at most 24 h)', () => {
  const H = 3600_000;
  const cases: [string, number, number][] = [
    ['1 h token → 48 min', 1 * H, 0.8 * H],
    ['10 min token → 8 min', 600_000, 480_000],
    ['24 h token → 19.2 h', 24 * H, 69_120_000],
    ['48 h token → 24 h cap', 48 * H, 24 * H],
    ['an expired token → retried after 1 s, not in a loop', -5000, 1000],
  ];
  for (const [name, lifetime, want] of cases) it(name, () => assert.equal(refreshDelayMs(1000, 1000 + lifetime), want));
});

describe('TokenProjector', () => {
  it('writes the token through TokenRequest bound to the pod, atomically, mode 0600', async () => {
    const clock = new FakeClock();
    const iss = issuer(clock);
    const s = spec('p1');
    const p = new TokenProjector({ tokens: [s], requestToken: iss.requestToken, clock });
    await p.start();
    assert.equal(readFileSync(s.hostFile, 'utf8'), 'tok-1');
    assert.equal(statSync(s.hostFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, 'p1', 'volumes')).mode & 0o777, 0o700);
    assert.deepEqual(iss.calls[0], { namespace: 'demo', sa: 'app', options: { audiences: ['sts.amazonaws.com'], expirationSeconds: 3600, boundPod: { name: 'app-1', uid: 'uid-1' } } });
    assert.deepEqual(readdirSync(join(root, 'p1', 'volumes', 'aws-iam-token')), ['token'], 'no temp file left');
    p.stop();
  });

  it('refreshes at 80% of the lifetime, not before, and again after each refresh', async () => {
    const clock = new FakeClock();
    const iss = issuer(clock);
    const s = spec('p2');
    const p = new TokenProjector({ tokens: [s], requestToken: iss.requestToken, clock });
    await p.start();
    assert.deepEqual(clock.pending, [2880_000]);
    await clock.advance(2880_000 - 1);
    assert.equal(iss.calls.length, 1);
    assert.equal(readFileSync(s.hostFile, 'utf8'), 'tok-1');
    await clock.advance(1);
    assert.equal(iss.calls.length, 2);
    await until(() => content(s.hostFile) === 'tok-2' && clock.pending.length === 1, 'tok-2');
    assert.deepEqual(clock.pending, [2880_000]);
    await clock.advance(2880_000);
    await until(() => content(s.hostFile) === 'tok-3', 'tok-3');
    p.stop();
  });

  it('caps the refresh at 24 h for long-lived tokens (webhook default 86400 s → 19.2 h; 48 h → 24 h)', async () => {
    const clock = new FakeClock();
    const iss = issuer(clock, 48 * 3600);
    const p = new TokenProjector({ tokens: [spec('p3', { expirationSeconds: 172800 })], requestToken: iss.requestToken, clock });
    await p.start();
    assert.deepEqual(clock.pending, [24 * 3600_000]);
    p.stop();
  });

  it('keeps the old token and retries with backoff when a refresh fails', async () => {
    const clock = new FakeClock();
    const iss = issuer(clock);
    const errors: string[] = [];
    const s = spec('p4');
    const p = new TokenProjector({ tokens: [s], requestToken: iss.requestToken, clock, onError: (e) => errors.push((e as Error).message) });
    await p.start();
    iss.failNext(2);
    await clock.advance(2880_000);
    assert.deepEqual(errors, ['apiserver unavailable']);
    assert.equal(readFileSync(s.hostFile, 'utf8'), 'tok-1');
    assert.deepEqual(clock.pending, [1000]);
    await clock.advance(1000);
    assert.deepEqual(clock.pending, [2000], 'backoff doubles');
    await clock.advance(2000);
    await until(() => content(s.hostFile) === 'tok-4' && clock.pending.length === 1, 'tok-4');
    assert.deepEqual(clock.pending, [2880_000], 'back on schedule');
    p.stop();
  });

  it('stop() cancels refreshes (the command ended)', async () => {
    const clock = new FakeClock();
    const iss = issuer(clock);
    const p = new TokenProjector({ tokens: [spec('p5')], requestToken: iss.requestToken, clock });
    await p.start();
    p.stop();
    assert.deepEqual(clock.pending, []);
    await clock.advance(10 * 3600_000);
    assert.equal(iss.calls.length, 1);
  });

  it('a first TokenRequest failure rejects start() with TokenRequestFailed', async () => {
    const clock = new FakeClock();
    const p = new TokenProjector({
      tokens: [spec('p6')],
      clock,
      requestToken: () => Promise.reject(new Error('serviceaccounts "app" not found')),
    });
    await assert.rejects(p.start(), (e: unknown) => e instanceof PodRunnerError && e.code === 'TokenRequestFailed' && /aws-iam-token.*demo\/app.*not found/.test(e.message));
    assert.deepEqual(clock.pending, []);
  });

  it('projects several tokens independently (IRSA and kube-api-access)', async () => {
    const clock = new FakeClock();
    const iss = issuer(clock);
    const a = spec('p7');
    const b = spec('p7', { volume: 'kube-api-access', audiences: [], expirationSeconds: 3607, hostFile: join(root, 'p7', 'volumes', 'kube-api-access', 'token') });
    const p = new TokenProjector({ tokens: [a, b], requestToken: iss.requestToken, clock });
    await p.start();
    assert.deepEqual(clock.pending, [2880_000, 2885_600]);
    assert.ok(readFileSync(a.hostFile, 'utf8').startsWith('tok-'));
    assert.ok(readFileSync(b.hostFile, 'utf8').startsWith('tok-'));
    p.stop();
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file in one step; concurrent readers never see a partial token', async () => {
    const f = join(root, 'atomic', 'token');
    await writeFileAtomic(f, 'a'.repeat(100_000));
    let partial = 0;
    const reads = (async () => {
      for (let i = 0; i < 300; i++) {
        const t = readFileSync(f, 'utf8');
        if (t.length !== 100_000) partial++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 50; i++) await writeFileAtomic(f, String(i % 10).repeat(100_000));
    await reads;
    assert.equal(partial, 0);
    assert.deepEqual(readdirSync(join(root, 'atomic')), ['token']);
  });
});
