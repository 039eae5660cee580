/**
 * Timing helpers for benchmarks. Single operations of the policy engine take a microsecond or two,
 * below what one `process.hrtime.bigint()` pair resolves reliably, so latency is sampled by timing
 * a batch of calls and dividing: each sample is the mean of one batch. Percentiles are taken over
 * those samples (a batch mean smooths single-call outliers; p99 is the 99th percentile of batches).
 */

export interface LatencyOptions {
  /** Calls per sample. */
  readonly batch: number;
  /** Stop after this many samples... */
  readonly maxSamples: number;
  /** ...or once this much time has been spent sampling (after at least `minSamples`). */
  readonly budgetMs: number;
  readonly minSamples?: number;
  /** Untimed calls first, so the JIT has optimized the code being measured. */
  readonly warmupMs: number;
}

export interface LatencyResult {
  /** Nanoseconds per call, one value per sample, sorted ascending. */
  readonly samples: Float64Array;
  readonly calls: number;
}

const nowNs = (): bigint => process.hrtime.bigint();

function spinFor(ms: number, step: () => void): void {
  const end = nowNs() + BigInt(Math.round(ms * 1e6));
  while (nowNs() < end) for (let i = 0; i < 16; i++) step();
}

/** Samples the latency of a synchronous call. `fn` should return something so the call is not dead code. */
export function sampleLatency(fn: () => unknown, o: LatencyOptions): LatencyResult {
  let sink: unknown;
  spinFor(o.warmupMs, () => {
    sink = fn();
  });
  const out: number[] = [];
  const start = nowNs();
  const budget = BigInt(Math.round(o.budgetMs * 1e6));
  const minSamples = o.minSamples ?? 20;
  while (out.length < o.maxSamples) {
    const t0 = nowNs();
    for (let i = 0; i < o.batch; i++) sink = fn();
    const t1 = nowNs();
    out.push(Number(t1 - t0) / o.batch);
    if (out.length >= minSamples && t1 - start > budget) break;
  }
  keep(sink);
  return { samples: Float64Array.from(out).sort(), calls: out.length * o.batch };
}

/** The same for an asynchronous call (each call awaited in turn). */
export async function sampleLatencyAsync(fn: () => Promise<unknown>, o: LatencyOptions): Promise<LatencyResult> {
  let sink: unknown;
  const warmEnd = nowNs() + BigInt(Math.round(o.warmupMs * 1e6));
  while (nowNs() < warmEnd) sink = await fn();
  const out: number[] = [];
  const start = nowNs();
  const budget = BigInt(Math.round(o.budgetMs * 1e6));
  const minSamples = o.minSamples ?? 20;
  while (out.length < o.maxSamples) {
    const t0 = nowNs();
    for (let i = 0; i < o.batch; i++) sink = await fn();
    const t1 = nowNs();
    out.push(Number(t1 - t0) / o.batch);
    if (out.length >= minSamples && t1 - start > budget) break;
  }
  keep(sink);
  return { samples: Float64Array.from(out).sort(), calls: out.length * o.batch };
}

export interface ThroughputResult {
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/**
 * Runs `pass` (which performs `opsPerPass` operations) repeatedly, untimed for `warmupMs`, then
 * timed until at least `minMs` have elapsed and at least `minPasses` passes ran.
 */
export function measureThroughput(pass: () => unknown, opsPerPass: number, o: { warmupMs: number; minMs: number; minPasses?: number }): ThroughputResult {
  let sink: unknown;
  spinFor(o.warmupMs, () => {
    sink = pass();
  });
  let passes = 0;
  const start = nowNs();
  const min = BigInt(Math.round(o.minMs * 1e6));
  let elapsed = 0n;
  while (passes < (o.minPasses ?? 1) || elapsed < min) {
    sink = pass();
    passes++;
    elapsed = nowNs() - start;
  }
  keep(sink);
  const seconds = Number(elapsed) / 1e9;
  return { operations: passes * opsPerPass, seconds, perSecond: (passes * opsPerPass) / seconds };
}

export async function measureThroughputAsync(pass: () => Promise<unknown>, opsPerPass: number, o: { warmupPasses: number; minMs: number; minPasses?: number }): Promise<ThroughputResult> {
  let sink: unknown;
  for (let i = 0; i < o.warmupPasses; i++) sink = await pass();
  let passes = 0;
  const start = nowNs();
  const min = BigInt(Math.round(o.minMs * 1e6));
  let elapsed = 0n;
  while (passes < (o.minPasses ?? 1) || elapsed < min) {
    sink = await pass();
    passes++;
    elapsed = nowNs() - start;
  }
  keep(sink);
  const seconds = Number(elapsed) / 1e9;
  return { operations: passes * opsPerPass, seconds, perSecond: (passes * opsPerPass) / seconds };
}

/** Wall-clock seconds of a synchronous block. */
export function timeSeconds<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = nowNs();
  const value = fn();
  return { value, seconds: Number(nowNs() - t0) / 1e9 };
}

let blackhole: unknown;
/** Keeps a value observable so the optimizer cannot drop the work that produced it. */
export function keep(v: unknown): void {
  blackhole = v;
  if (blackhole === keep) throw new Error('unreachable');
}
