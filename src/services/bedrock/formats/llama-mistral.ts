import { parseBody, type Schema } from '../body-schema.js';
import type { ChatRequest, ChatResult } from '../chat.js';
import type { FoundationModel } from '../models.js';
import { STRINGS, UNIT, optionalNumber, optionalStrings, type BodyFormat } from './format.js';
import { readPromptTemplate } from './templates.js';

/**
 * Meta Llama: `prompt`, `temperature`, `top_p`, `max_gen_len` (1–2,048, default 512) → `generation`,
 * `prompt_token_count`, `generation_token_count`, `stop_reason` (`stop` or `length`).
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-meta.html
 *
 * Mistral AI: `prompt`, `max_tokens` (up to the model's limit), `stop` (at most 10), `temperature`,
 * `top_p`, `top_k` (1–200) → `outputs[]` of `text` and `stop_reason` (`stop` or `length`).
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-mistral-text-completion.html
 */
function llamaSchema(model: FoundationModel): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['prompt'],
    properties: { prompt: { type: 'string' }, temperature: UNIT, top_p: UNIT, max_gen_len: { type: 'integer', minimum: 1, maximum: model.maxOutputTokens }, images: STRINGS },
  };
}

function mistralSchema(model: FoundationModel): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['prompt'],
    properties: {
      prompt: { type: 'string' },
      max_tokens: { type: 'integer', minimum: 1, maximum: model.maxOutputTokens },
      stop: { type: 'array', maxItems: 10, items: { type: 'string' } },
      temperature: UNIT,
      top_p: UNIT,
      top_k: { type: 'integer', minimum: 1, maximum: 200 },
    },
  };
}

/** `stop` for a natural end or a stop sequence, `length` at the token limit. */
const completionReason = (r: ChatResult): string => (r.stopReason === 'max_tokens' ? 'length' : 'stop');

export const llama: BodyFormat = {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest {
    const b = parseBody(body, llamaSchema(model));
    const conversation = readPromptTemplate(b['prompt'] as string);
    return {
      model,
      ...conversation,
      maxTokens: optionalNumber(b['max_gen_len']) ?? model.defaultMaxTokens,
      stopSequences: [],
      temperature: optionalNumber(b['temperature']),
      topP: optionalNumber(b['top_p']),
    };
  },
  render(r: ChatResult): Record<string, unknown> {
    return { generation: r.text, prompt_token_count: r.inputTokens, generation_token_count: r.outputTokens, stop_reason: completionReason(r) };
  },
};

export const mistral: BodyFormat = {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest {
    const b = parseBody(body, mistralSchema(model));
    const conversation = readPromptTemplate(b['prompt'] as string);
    return {
      model,
      ...conversation,
      maxTokens: optionalNumber(b['max_tokens']) ?? model.defaultMaxTokens,
      stopSequences: optionalStrings(b['stop']),
      temperature: optionalNumber(b['temperature']),
      topP: optionalNumber(b['top_p']),
    };
  },
  render(r: ChatResult): Record<string, unknown> {
    return { outputs: [{ text: r.text, stop_reason: completionReason(r) }] };
  },
};
