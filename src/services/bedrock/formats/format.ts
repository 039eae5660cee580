import type { ChatRequest, ChatResult } from '../chat.js';
import type { FoundationModel } from '../models.js';

/**
 * One model family's InvokeModel body format: how its request body becomes a ChatRequest (with
 * the family's own validation errors) and how a ChatResult is written back as its response body.
 * Field names and value ranges follow the Bedrock user guide's "Inference request parameters and
 * response fields for foundation models" page for the family.
 */
export interface BodyFormat {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest;
  render(result: ChatResult, req: ChatRequest, ids: IdSource): Record<string, unknown>;
}

/** Random identifiers some responses carry (Claude's `id`, Cohere's `response_id`). */
export interface IdSource {
  /** `n` random characters from [0-9A-Za-z]. */
  alnum(n: number): string;
  uuid(): string;
}

/** A `[0, 1]` number, as temperature and top-p are everywhere. */
export const UNIT = { type: 'number', minimum: 0, maximum: 1 } as const;
export const STRINGS = { type: 'array', items: { type: 'string' } } as const;

export function optionalNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function optionalStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
