/**
 * JSON Patch (RFC 6902) as the webhook uses it: `add` operations only, and their application, so
 * the embedded API can admit a pod in process and tests can compare patched pods. Pure.
 * @see https://www.rfc-editor.org/rfc/rfc6902#section-4.1
 */

export interface JsonPatchAdd {
  readonly op: 'add';
  /** A JSON Pointer (RFC 6901). */
  readonly path: string;
  readonly value: unknown;
}

export type JsonPatchOp = JsonPatchAdd;

/** Escapes one reference token of a JSON Pointer (`~` → `~0`, `/` → `~1`). */
export function pointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export class JsonPatchError extends Error {}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchError(`path \`${path}\` does not start with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

/**
 * Applies `ops` to a deep copy of `doc` and returns the copy. Per RFC 6902 `add`: the parent must
 * exist; in an array the token is an index in [0, length] (inserting) or `-` (appending); in an
 * object the member is added or replaced; the empty path replaces the whole document.
 */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  let root: unknown = JSON.parse(JSON.stringify(doc));
  for (const op of ops) {
    if (op.op !== 'add') throw new JsonPatchError(`unsupported op \`${String(op.op)}\``);
    const tokens = parsePointer(op.path);
    const value: unknown = JSON.parse(JSON.stringify(op.value));
    if (tokens.length === 0) {
      root = value;
      continue;
    }
    let parent: unknown = root;
    for (const t of tokens.slice(0, -1)) {
      if (Array.isArray(parent)) {
        if (!/^(0|[1-9]\d*)$/.test(t) || Number(t) >= parent.length) throw new JsonPatchError(`path \`${op.path}\` does not exist`);
        parent = parent[Number(t)];
      } else if (isContainer(parent) && Object.hasOwn(parent, t)) {
        parent = (parent as Record<string, unknown>)[t];
      } else {
        throw new JsonPatchError(`path \`${op.path}\` does not exist`);
      }
    }
    const last = tokens[tokens.length - 1] as string;
    if (Array.isArray(parent)) {
      if (last === '-') parent.push(value);
      else if (/^(0|[1-9]\d*)$/.test(last) && Number(last) <= parent.length) parent.splice(Number(last), 0, value);
      else throw new JsonPatchError(`index \`${last}\` is out of bounds in \`${op.path}\``);
    } else if (isContainer(parent)) {
      (parent as Record<string, unknown>)[last] = value;
    } else {
      throw new JsonPatchError(`parent of \`${op.path}\` is not an object or array`);
    }
  }
  return root as T;
}
