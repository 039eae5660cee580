import type { KubeObject } from '../../contracts.js';
import type { FieldError } from '../errors.js';

/** What kind strategies may use: the clock and randomness, injected. */
export interface KindContext {
  readonly now: Date;
  /** `n` characters from the apiserver's name-suffix alphabet (`bcdfghjklmnpqrstvwxz2456789`). */
  randomSuffix(n: number): string;
}

/** Per-kind hooks, after kube-apiserver's registry strategies (pkg/registry/.../strategy.go). */
export interface KindStrategy {
  /** Server defaults on create (spec) and the initial status. */
  prepareForCreate?(o: KubeObject, ctx: KindContext): void;
  validate?(o: KubeObject): FieldError[];
  validateUpdate?(o: KubeObject, old: KubeObject): FieldError[];
}

export const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export type Obj = Record<string, unknown>;
export const asObj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const asList = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]).filter((x) => x && typeof x === 'object') : []);
