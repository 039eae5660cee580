import { parseBody, type Schema } from '../body-schema.js';
import { checkConversation, textOnly, type ChatMessage, type ChatRequest, type ChatResult } from '../chat.js';
import type { FoundationModel } from '../models.js';
import { STRINGS, UNIT, optionalNumber, optionalStrings, type BodyFormat } from './format.js';

/**
 * Amazon Nova understanding models, `messages-v1` schema: `messages` (role and content blocks),
 * optional `schemaVersion`, `system` text blocks and `inferenceConfig` (`max_new_tokens` or
 * `maxTokens`, `temperature`, `top_p`/`topP`, `top_k`/`topK`, `stopSequences`). The answer is
 * `output.message`, `stopReason` and `usage` (`inputTokens`, `outputTokens`, `totalTokens` and
 * the cache counters).
 * https://docs.aws.amazon.com/nova/latest/userguide/complete-request-schema.html
 */
function schema(model: FoundationModel): Schema {
  const maxTokens = { type: 'integer', minimum: 1, maximum: model.maxOutputTokens } as const;
  return {
    type: 'object',
    additionalProperties: false,
    required: ['messages'],
    properties: {
      schemaVersion: { type: 'string', enum: ['messages-v1'] },
      system: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
      messages: {
        type: 'array',
        items: {
          type: 'object',
          required: ['role', 'content'],
          properties: { role: { type: 'string', enum: ['user', 'assistant'] }, content: { type: 'array', minItems: 1, items: { type: 'object' } } },
        },
      },
      inferenceConfig: {
        type: 'object',
        additionalProperties: false,
        properties: { max_new_tokens: maxTokens, maxTokens, temperature: UNIT, top_p: UNIT, topP: UNIT, top_k: { type: 'integer', minimum: 0 }, topK: { type: 'integer', minimum: 0 }, stopSequences: STRINGS },
      },
      toolConfig: { type: 'object' },
    },
  };
}

function contentText(content: Record<string, unknown>[], where: string): string {
  return content
    .map((block, i) => {
      if (typeof block['text'] === 'string') return block['text'];
      if ('cachePoint' in block) return '';
      throw textOnly(`${where}.${i}`, Object.keys(block)[0] ?? 'empty');
    })
    .join('');
}

export const nova: BodyFormat = {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest {
    const b = parseBody(body, schema(model));
    const raw = b['messages'] as { role: 'user' | 'assistant'; content: Record<string, unknown>[] }[];
    const messages: ChatMessage[] = raw.map((m, i) => ({ role: m.role, text: contentText(m.content, `messages.${i}.content`) }));
    checkConversation(messages);
    const config = (b['inferenceConfig'] ?? {}) as Record<string, unknown>;
    const system = (b['system'] ?? []) as { text: string }[];
    return {
      model,
      system: system.map((s) => s.text),
      messages,
      maxTokens: optionalNumber(config['max_new_tokens']) ?? optionalNumber(config['maxTokens']) ?? model.defaultMaxTokens,
      stopSequences: optionalStrings(config['stopSequences']),
      temperature: optionalNumber(config['temperature']),
      topP: optionalNumber(config['top_p']) ?? optionalNumber(config['topP']),
    };
  },

  render(r: ChatResult): Record<string, unknown> {
    return {
      output: { message: { content: r.text === '' ? [] : [{ text: r.text }], role: 'assistant' } },
      stopReason: r.stopReason,
      usage: { inputTokens: r.inputTokens, outputTokens: r.outputTokens, totalTokens: r.inputTokens + r.outputTokens, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
    };
  },
};
