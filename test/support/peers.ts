import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Peers used only by tests and benchmarks, installed at run time into a folder outside the
 * project (never a dependency of the product). `@cloud-copilot/iam-simulate` is AGPL: it is
 * installed, run and compared against — its code is never copied or imported by `src/`.
 */
export const IAM_SIMULATE_VERSION = '0.1.173';

/** Installs (once per machine) and returns the directory holding node_modules. */
export function installPeer(name: string, version: string): string {
  const dir = join(process.env['IRSA_PEERS_DIR'] ?? join(tmpdir(), 'irsa-local-peers'), `${name.replace(/[@/]/g, '_')}-${version}`);
  const marker = join(dir, 'node_modules', ...name.split('/'), 'package.json');
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'irsa-peer', private: true }));
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `${name}@${version}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  });
  if (!existsSync(marker)) throw new Error(`installing ${name}@${version} into ${dir} failed`);
  return dir;
}

/** Imports an installed peer's ESM entry point. */
export async function importPeer<T>(name: string, version: string): Promise<T> {
  const dir = installPeer(name, version);
  const entry = join(dir, 'node_modules', ...name.split('/'), 'dist', 'esm', 'index.js');
  return (await import(pathToFileURL(entry).href)) as T;
}
