/**
 * The file side of `irsa analyze`: reads the account export and the manifests directory, parses
 * YAML/JSON, and hands plain values to the pure models in src/explain (account.ts, manifests.ts).
 * YAML is read with @kubernetes/client-node's `loadAllYaml` (already a dependency; the layer rules
 * allow it here), one document at a time so that an error names its document and line.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { AccountDetailsError, loadAccountDetails, type AccountModel, type LoadOptions } from '../explain/account.js';
import { ManifestError, loadManifests, type ClusterModel, type ManifestDocument } from '../explain/manifests.js';

/** A 5,000-role export with every AWS managed policy attached is well under this. */
export const MAX_ACCOUNT_FILE_BYTES = 512 * 1024 * 1024;
export const MAX_MANIFEST_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_MANIFEST_FILES = 20_000;
const MAX_DOCUMENTS_PER_FILE = 10_000;
const MAX_DIR_DEPTH = 32;

/** Reads and loads the JSON `aws iam get-account-authorization-details` wrote. */
export async function readAccountDetails(file: string, options: LoadOptions = {}): Promise<AccountModel> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new AccountDetailsError('', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > MAX_ACCOUNT_FILE_BYTES) throw new AccountDetailsError('', `${file} is larger than ${MAX_ACCOUNT_FILE_BYTES / 1024 / 1024} MiB`);
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AccountDetailsError('', `${file} is not valid JSON: ${(e as Error).message}`);
  }
  return loadAccountDetails(json, options);
}

/**
 * Splits a YAML stream at its document markers (`---` at the start of a line) and parses each
 * document on its own. Comment-only documents are skipped; directives stay with their document.
 */
export function parseManifestText(path: string, text: string): ManifestDocument[] {
  if (/\.json$/i.test(path)) {
    try {
      return [{ path, index: 1, line: 1, value: JSON.parse(text) }];
    } catch (e) {
      throw new ManifestError(path, 1, `not valid JSON: ${(e as Error).message}`, 1);
    }
  }
  const lines = text.split(/\r?\n/);
  const chunks: { start: number; lines: string[] }[] = [];
  let current: { start: number; lines: string[] } = { start: 0, lines: [] };
  const meaningful = (c: { lines: string[] }): boolean => c.lines.some((l) => !/^\s*(#.*)?$/.test(l) && !/^---\s*(#.*)?$/.test(l) && !/^\.\.\.\s*$/.test(l));
  const directivesOnly = (c: { lines: string[] }): boolean => c.lines.some((l) => l.startsWith('%')) && c.lines.every((l) => l.startsWith('%') || /^\s*(#.*)?$/.test(l));
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line) && !directivesOnly(current)) {
      chunks.push(current);
      current = { start: i, lines: [] };
    }
    current.lines.push(line);
  });
  chunks.push(current);
  const out: ManifestDocument[] = [];
  let index = 0;
  for (const chunk of chunks) {
    if (!meaningful(chunk)) continue;
    index++;
    if (index > MAX_DOCUMENTS_PER_FILE) throw new ManifestError(path, index, `more than ${MAX_DOCUMENTS_PER_FILE} documents in one file`);
    const firstLine = chunk.start + 1 + chunk.lines.findIndex((l) => !/^\s*(#.*)?$/.test(l) && !/^---\s*(#.*)?$/.test(l) && !l.startsWith('%'));
    let values: unknown[];
    try {
      values = loadAllYaml(chunk.lines.join('\n'));
    } catch (e) {
      const mark = (e as { mark?: { line?: number; column?: number } }).mark;
      const reason = (e as { reason?: string }).reason;
      if (mark && typeof mark.line === 'number' && reason) {
        throw new ManifestError(path, index, `invalid YAML at line ${chunk.start + mark.line + 1}, column ${(mark.column ?? 0) + 1}: ${reason}`, firstLine);
      }
      // The YAML parsed but the client's typed model could not read it (e.g. a list where it wants an object).
      throw new ManifestError(path, index, `not a valid Kubernetes object: ${(e as Error).message}`, firstLine);
    }
    // Typed objects (with Date fields) back to plain JSON, as the API would return them.
    for (const v of values) out.push({ path, index, line: firstLine, value: v === undefined ? null : JSON.parse(JSON.stringify(v)) });
  }
  return out;
}

/** Every *.yaml, *.yml and *.json file under `dir` (recursive, sorted), paths relative to `dir`. */
export async function manifestFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > MAX_DIR_DEPTH) throw new Error(`${d}: directories nested more than ${MAX_DIR_DEPTH} deep`);
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        // Hidden directories (.git, …) hold no manifests to apply.
        if (!e.name.startsWith('.')) await walk(p, depth + 1);
      } else if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name)) {
        out.push(p);
        if (out.length > MAX_MANIFEST_FILES) throw new Error(`${dir}: more than ${MAX_MANIFEST_FILES} manifest files`);
      }
    }
  };
  await walk(dir, 0);
  return out;
}

/** Reads and loads every manifest under `dir`. */
export async function readManifestDir(dir: string, options: { onProgress?(done: number, total: number): void } = {}): Promise<{ model: ClusterModel; files: number }> {
  const files = await manifestFiles(dir);
  const docs: ManifestDocument[] = [];
  let done = 0;
  for (const file of files) {
    const name = relative(dir, file) || file;
    const size = (await stat(file)).size;
    if (size > MAX_MANIFEST_FILE_BYTES) throw new ManifestError(name, 1, `file is larger than ${MAX_MANIFEST_FILE_BYTES / 1024 / 1024} MiB`);
    docs.push(...parseManifestText(name, await readFile(file, 'utf8')));
    options.onProgress?.(++done, files.length);
  }
  return { model: loadManifests(docs), files: files.length };
}
