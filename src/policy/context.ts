/**
 * The request context: condition keys and their values. Key names are case-insensitive
 * ("IAM JSON policy elements: Condition"), so they are stored lowercased. Values are strings as on
 * the wire; each condition family parses them once per request and caches the result here.
 */
export type ContextType =
  | 'string'
  | 'stringList'
  | 'numeric'
  | 'numericList'
  | 'boolean'
  | 'booleanList'
  | 'ip'
  | 'ipList'
  | 'binary'
  | 'binaryList'
  | 'date'
  | 'dateList';

export const CONTEXT_TYPES: readonly ContextType[] = [
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
];

export interface ContextValue {
  /** The key as given. */
  readonly key: string;
  readonly values: readonly string[];
  /** Multivalued (a `…List` type): needs a set operator to match. */
  readonly list: boolean;
  readonly type: ContextType | undefined;
  /** Per-family parse cache, filled lazily by condition matchers. */
  cache: Record<string, unknown> | undefined;
}

export interface ContextEntryInput {
  readonly key: string;
  readonly type?: ContextType;
  readonly values: readonly string[];
}

export class RequestContext {
  private readonly map = new Map<string, ContextValue>();

  /**
   * `base`, when given, is a context shared by many requests (the caller's own keys): its keys
   * are visible here unless this context sets them, and it is never written through this one.
   */
  constructor(
    entries: Iterable<ContextEntryInput> = [],
    private readonly base?: RequestContext,
  ) {
    for (const e of entries) this.set(e.key, e.values, e.type);
  }

  /** Sets a key; `type` ending in `List` makes it multivalued. */
  set(key: string, values: readonly string[], type?: ContextType): this {
    const list = type !== undefined ? type.endsWith('List') : false;
    this.map.set(key.toLowerCase(), { key, values, list, type, cache: undefined });
    return this;
  }

  /** Sets a key only when it is not already present. */
  setDefault(key: string, values: readonly string[], type?: ContextType): this {
    if (!this.has(key)) this.set(key, values, type);
    return this;
  }

  get(keyLower: string): ContextValue | undefined {
    return this.map.get(keyLower) ?? this.base?.get(keyLower);
  }

  has(key: string): boolean {
    const k = key.toLowerCase();
    return this.map.has(k) || (this.base?.has(k) ?? false);
  }

  *entries(): IterableIterator<ContextValue> {
    if (this.base) for (const v of this.base.entries()) if (!this.map.has(v.key.toLowerCase())) yield v;
    yield* this.map.values();
  }
}

/** Parses each value of `v` once with `parse`, caching the result under `family`. */
export function parsedValues<T>(v: ContextValue, family: string, parse: (s: string) => T): readonly T[] {
  const cache = (v.cache ??= {});
  const hit = cache[family] as T[] | undefined;
  if (hit) return hit;
  const out = v.values.map(parse);
  cache[family] = out;
  return out;
}
