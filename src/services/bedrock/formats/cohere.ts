import { parseBody, type Schema } from '../body-schema.js';
import { textOnly, type ChatMessage, type ChatRequest, type ChatResult } from '../chat.js';
import type { FoundationModel } from '../models.js';
import { UNIT, optionalNumber, optionalStrings, type BodyFormat, type IdSource } from './format.js';

/**
 * Cohere Command R and R+: `message`, optional `chat_history` (USER / CHATBOT turns), `preamble`
 * (the system prompt), `max_tokens` (up to 4,000), `temperature`, `p`, `k`, `stop_sequences` and
 * further Cohere options. The answer is `response_id`, `text`, `generation_id`, `chat_history`,
 * `finish_reason` (COMPLETE, MAX_TOKENS, ERROR_TOXIC) and `meta.billed_units`.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command-r-plus.html
 */
function schema(model: FoundationModel): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: {
      message: { type: 'string' },
      chat_history: {
        type: 'array',
        items: { type: 'object', required: ['role', 'message'], properties: { role: { type: 'string', enum: ['USER', 'CHATBOT', 'SYSTEM', 'TOOL'] }, message: { type: 'string' } } },
      },
      documents: { type: 'array' },
      search_queries_only: { type: 'boolean' },
      preamble: { type: 'string' },
      max_tokens: { type: 'integer', minimum: 1, maximum: model.maxOutputTokens },
      temperature: UNIT,
      p: { type: 'number', minimum: 0.01, maximum: 0.99 },
      k: { type: 'number', minimum: 0, maximum: 500 },
      prompt_truncation: { type: 'string', enum: ['OFF', 'AUTO_PRESERVE_ORDER'] },
      frequency_penalty: UNIT,
      presence_penalty: UNIT,
      seed: { type: 'integer' },
      return_prompt: { type: 'boolean' },
      tools: { type: 'array' },
      tool_results: { type: 'array' },
      stop_sequences: { type: 'array', items: { type: 'string' } },
      raw_prompting: { type: 'boolean' },
    },
  };
}

const REASONS = { end_turn: 'COMPLETE', stop_sequence: 'COMPLETE', max_tokens: 'MAX_TOKENS', content_filtered: 'ERROR_TOXIC' } as const;

type Turn = { role: string; message: string };

export const cohereCommandR: BodyFormat = {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest {
    const b = parseBody(body, schema(model));
    const history = (b['chat_history'] ?? []) as Turn[];
    const system: string[] = typeof b['preamble'] === 'string' ? [b['preamble']] : [];
    const messages: ChatMessage[] = [];
    history.forEach((t, i) => {
      if (t.role === 'SYSTEM') system.push(t.message);
      else if (t.role === 'TOOL') throw textOnly(`chat_history.${i}`, 'TOOL');
      else messages.push({ role: t.role === 'CHATBOT' ? 'assistant' : 'user', text: t.message });
    });
    messages.push({ role: 'user', text: b['message'] as string });
    return {
      model,
      system,
      messages,
      maxTokens: optionalNumber(b['max_tokens']) ?? model.defaultMaxTokens,
      stopSequences: optionalStrings(b['stop_sequences']),
      temperature: optionalNumber(b['temperature']),
      topP: optionalNumber(b['p']),
    };
  },

  render(r: ChatResult, req: ChatRequest, ids: IdSource): Record<string, unknown> {
    const history = req.messages.map((m) => ({ role: m.role === 'assistant' ? 'CHATBOT' : 'USER', message: m.text }));
    return {
      response_id: ids.uuid(),
      text: r.text,
      generation_id: ids.uuid(),
      chat_history: [...history, { role: 'CHATBOT', message: r.text }],
      finish_reason: REASONS[r.stopReason],
      meta: { api_version: { version: '1' }, billed_units: { input_tokens: r.inputTokens, output_tokens: r.outputTokens } },
    };
  },
};
