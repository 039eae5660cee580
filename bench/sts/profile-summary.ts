/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per file,
 * with dist/ positions mapped back to src/ through tsc's source maps.
 *
 *   node --import tsx bench/sts/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '../../test/support/shared.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  readonly name: string;
  /** `src/…:line` (mapped from dist/), a node: module, a package, or a V8 pseudo-frame. */
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleShare: number;
  readonly functions: HotSpot[];
  readonly files: { where: string; selfMs: number; share: number }[];
  /** Inclusive time of selected src/ functions (everything below them on the stack). */
  readonly inclusive: HotSpot[];
}

const maps = new Map<string, SourceMap | undefined>();
function sourceMapFor(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined);
  }
  return maps.get(file);
}

/** A readable location: src/ file:line for our code, the package for node_modules, else the URL. */
export function locate(frame: CallFrame): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  let file: string;
  try {
    file = url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `${pkg} (${rest.slice(pkg?.startsWith('@') ? 2 : 1).join('/')}:${lineNumber + 1})`;
  }
  const map = sourceMapFor(file);
  const entry = map?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
    const src = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : new URL(entry.originalSource, pathToFileURL(file)).pathname;
    return `${relative(repoRoot, src)}:${entry.originalLine + 1}`;
  }
  return `${relative(repoRoot, file)}:${lineNumber + 1}`;
}

const fileOf = (where: string): string => where.replace(/:\d+$/, '').replace(/ \(.*\)$/, '');

export function summarizeProfile(path: string, options: { top?: number; inclusiveOf?: readonly string[] } = {}): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  let total = 0;
  let idle = 0;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, number>();
  const wanted = new Set(options.inclusiveOf ?? []);
  const incl = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    const where = locate(node.callFrame);
    const key = `${name}\n${where}`;
    const f = fn.get(key) ?? { name, where, us: 0 };
    f.us += us;
    fn.set(key, f);
    const file = where ? fileOf(where) : name;
    files.set(file, (files.get(file) ?? 0) + us);
    // Inclusive time: credit each wanted function once per sample, however deep it recurses.
    if (wanted.size) {
      const credited = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur);
        if (!n || !wanted.has(n.callFrame.functionName)) continue;
        const w = locate(n.callFrame);
        const k = `${n.callFrame.functionName}\n${w}`;
        if (credited.has(k)) continue;
        credited.add(k);
        const e = incl.get(k) ?? { name: n.callFrame.functionName, where: w, us: 0 };
        e.us += us;
        incl.set(k, e);
      }
    }
  }
  const busy = total - idle;
  const top = options.top ?? 25;
  const share = (us: number): number => (busy > 0 ? us / busy : 0);
  return {
    totalMs: total / 1000,
    idleShare: total > 0 ? idle / total : 0,
    functions: [...fn.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: share(f.us) })),
    files: [...files.entries()]
      .filter(([w]) => w !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, selfMs: us / 1000, share: share(us) })),
    inclusive: [...incl.values()].sort((a, b) => b.us - a.us).map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: share(f.us) })),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N]');
  const i = process.argv.indexOf('--top');
  const s = summarizeProfile(file, { top: i > 0 ? Number(process.argv[i + 1]) : 25 });
  process.stdout.write(`total ${s.totalMs.toFixed(0)} ms, idle ${(s.idleShare * 100).toFixed(1)} %\n\n`);
  for (const f of s.functions) process.stdout.write(`${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}  ${f.where}\n`);
  process.stdout.write('\n');
  for (const f of s.files) process.stdout.write(`${(f.share * 100).toFixed(1).padStart(5)} %  ${f.where}\n`);
}
