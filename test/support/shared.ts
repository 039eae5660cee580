import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The team's shared conformance data sits beside the clone (`../shared`), or where IRSA_SHARED_DIR
 * points. It is read in place, never copied. Returns undefined when it is absent (a user's clone).
 */
export function sharedDir(): string | undefined {
  const dir = process.env['IRSA_SHARED_DIR'] ?? join(repoRoot, '..', 'shared');
  return existsSync(join(dir, 'conformance')) ? dir : undefined;
}

export const SHARED_MISSING = 'conformance data not found: ../shared is absent (set IRSA_SHARED_DIR to run this suite)';

export function readSharedJson<T>(...parts: string[]): T {
  const dir = sharedDir();
  if (!dir) throw new Error(SHARED_MISSING);
  return JSON.parse(readFileSync(join(dir, ...parts), 'utf8')) as T;
}
