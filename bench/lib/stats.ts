/** Percentiles and number formatting for benchmark reports. */

/** Nearest-rank percentile of an ascending array (`p` in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const i = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[i] as number;
}

/** `1234` ns → `1.23 µs`, `2_500_000` ns → `2.50 ms`. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(2)} ms`;
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

/** Thousands separators: `1234567` → `1,234,567`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Operations per second, three significant figures with a unit suffix. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toPrecision(3)} k/s`;
  return `${perSecond.toPrecision(3)} /s`;
}

/** A ratio as `123×` (or `1.5×` for small ratios). */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return 'n/a';
  return r >= 10 ? `${Math.round(r).toLocaleString('en-US')}×` : `${r.toFixed(2)}×`;
}
