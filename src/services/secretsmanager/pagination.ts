import type { SecretSealer } from '../../iam/env.js';
import { smErrors } from './errors.js';

/**
 * NextToken: opaque to clients and tamper-proof. It is the position after the last item returned
 * (the item's sort value and id, so pages stay stable when secrets are added or removed) plus a
 * digest of the query, sealed with AES-GCM. A token from another query, an altered token or
 * anything else is InvalidNextTokenException.
 */
interface Position {
  readonly p: 'secretsmanager-page';
  /** What the token continues (ListSecrets, ListSecretVersionIds of one secret, …) and its parameters. */
  readonly q: string;
  /** Sort value and id of the last item returned. */
  readonly v: string | number;
  readonly id: string;
}

export class PageTokens {
  constructor(private readonly sealer: SecretSealer) {}

  issue(query: string, v: string | number, id: string): string {
    const pos: Position = { p: 'secretsmanager-page', q: query, v, id };
    return this.sealer.seal(JSON.stringify(pos));
  }

  /** The position a token continues from; throws InvalidNextTokenException. */
  read(token: string, query: string): { v: string | number; id: string } {
    let pos: Position;
    try {
      pos = JSON.parse(this.sealer.open(token)) as Position;
    } catch {
      throw smErrors.invalidNextToken();
    }
    if (pos?.p !== 'secretsmanager-page' || pos.q !== query || (typeof pos.v !== 'string' && typeof pos.v !== 'number') || typeof pos.id !== 'string') {
      throw smErrors.invalidNextToken();
    }
    return { v: pos.v, id: pos.id };
  }
}

/**
 * One page of `items` (already sorted by `key`, ascending or descending as `cmp` says): the
 * items after the token's position, at most `max`, and the token for the rest.
 */
export function page<T>(
  items: readonly T[],
  key: (x: T) => { v: string | number; id: string },
  after: { v: string | number; id: string } | undefined,
  desc: boolean,
  max: number,
): { items: T[]; last: T | undefined; more: boolean } {
  let start = 0;
  if (after) {
    const beyond = (x: T): boolean => {
      const k = key(x);
      const c = k.v < after.v ? -1 : k.v > after.v ? 1 : k.id < after.id ? -1 : k.id > after.id ? 1 : 0;
      return desc ? c < 0 : c > 0;
    };
    start = items.findIndex(beyond);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + max);
  return { items: slice, last: slice[slice.length - 1], more: start + max < items.length };
}
