import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as PolicyModule from '../../src/policy/index.js';
import type * as CaseModule from '../../src/simulate/case.js';
import { repoRoot } from '../../test/support/shared.js';
import { build } from './simulate-e2e.js';

/**
 * Which irsa-local code the benchmark runs. By default the tsc build in dist/ — the JavaScript that
 * `bin/irsa.js` and every service run. `src` loads the TypeScript sources through tsx instead;
 * tsx's esbuild transform keeps function names by wrapping every closure in a `__name(fn, …)`
 * helper (an `Object.defineProperty` call each time the closure is created), which makes code
 * that creates closures per request, like `authorizePrepared`, about twice as slow as it really is.
 */
export type EngineSource = 'dist' | 'src';

export interface Engine {
  readonly source: EngineSource;
  readonly policy: typeof PolicyModule;
  readonly simulate: typeof CaseModule;
  /** How it was obtained (build output or a warning). */
  readonly note: string;
}

export async function loadEngine(source: EngineSource, runBuild: boolean): Promise<Engine> {
  let note = 'sources loaded through tsx';
  if (source === 'dist') {
    if (runBuild) {
      const b = build();
      if (!b.ok) throw new Error(b.note);
      note = b.note;
    } else note = 'existing dist/ (--no-build)';
    if (!existsSync(join(repoRoot, 'dist', 'policy', 'index.js'))) throw new Error('dist/ is missing: run `npm run build`');
  }
  const file = (dir: string, ext: string, ...parts: string[]): string => pathToFileURL(join(repoRoot, dir, ...parts) + ext).href;
  const dir = source === 'dist' ? 'dist' : 'src';
  const ext = source === 'dist' ? '.js' : '.ts';
  const policy = (await import(file(dir, ext, 'policy', 'index'))) as typeof PolicyModule;
  const simulate = (await import(file(dir, ext, 'simulate', 'case'))) as typeof CaseModule;
  return { source, policy, simulate, note };
}
