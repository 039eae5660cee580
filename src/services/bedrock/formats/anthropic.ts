import { parseBody, type Schema } from '../body-schema.js';
import { conversationProblem, textOnly, validation, type ChatMessage, type ChatRequest, type ChatResult } from '../chat.js';
import type { FoundationModel } from '../models.js';
import { STRINGS, UNIT, optionalNumber, optionalStrings, type BodyFormat, type IdSource } from './format.js';

/**
 * Anthropic Claude, Messages API: `anthropic_version` (bedrock-2023-05-31), `max_tokens` and
 * `messages` required; `system` as a string or text blocks; `temperature`, `top_p`, `top_k`,
 * `stop_sequences`. The answer is a `message` with content blocks, `stop_reason`,
 * `stop_sequence` and `usage`. Checks the schema leaves to the model use Anthropic's wording
 * (`messages: roles must alternate between "user" and "assistant", but found multiple "user"
 * roles in a row`; `max_tokens: 5000 > 4096, which is the maximum allowed number of output
 * tokens for claude-3-haiku-20240307`).
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html
 */
const BLOCK: Schema = { type: 'object', required: ['type'], properties: { type: { type: 'string' }, text: { type: 'string' } } };
const SCHEMA: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['anthropic_version', 'max_tokens', 'messages'],
  properties: {
    anthropic_version: { type: 'string', enum: ['bedrock-2023-05-31'] },
    anthropic_beta: STRINGS,
    max_tokens: { type: 'integer', minimum: 1 },
    system: { anyOf: [{ type: 'string' }, { type: 'array', items: BLOCK }] },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: { role: { type: 'string', enum: ['user', 'assistant'] }, content: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: BLOCK }] } },
      },
    },
    temperature: UNIT,
    top_p: UNIT,
    top_k: { type: 'integer', minimum: 0, maximum: 500 },
    stop_sequences: STRINGS,
    tools: { type: 'array' },
    tool_choice: { type: 'object' },
    metadata: { type: 'object' },
  },
};

type Block = { type: string; text?: string };

function blocksText(content: string | Block[], where: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((b, i) => {
      if (b.type !== 'text') throw textOnly(`${where}.${i}`, b.type);
      if (typeof b.text !== 'string') throw validation(`${where}.${i}.text: Field required`);
      if (b.text === '') throw validation(`${where.split('.')[0] ?? 'messages'}: text content blocks must be non-empty`);
      return b.text;
    })
    .join('');
}

export const anthropicMessages: BodyFormat = {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest {
    const b = parseBody(body, SCHEMA);
    const raw = b['messages'] as { role: 'user' | 'assistant'; content: string | Block[] }[];
    const messages: ChatMessage[] = raw.map((m, i) => ({ role: m.role, text: blocksText(m.content, `messages.${i}.content`) }));
    const problem = conversationProblem(messages);
    if (problem === 'empty') throw validation('messages: at least one message is required');
    if (problem === 'first') throw validation('messages: first message must use the "user" role');
    if (problem) throw validation(`messages: roles must alternate between "user" and "assistant", but found multiple "${problem.repeated}" roles in a row`);
    const maxTokens = b['max_tokens'] as number;
    if (maxTokens > model.maxOutputTokens) {
      throw validation(`max_tokens: ${maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.anthropicModel ?? model.modelId}`);
    }
    const system = b['system'];
    return {
      model,
      system: system === undefined ? [] : [blocksText(system as string | Block[], 'system')],
      messages,
      maxTokens,
      stopSequences: optionalStrings(b['stop_sequences']),
      temperature: optionalNumber(b['temperature']),
      topP: optionalNumber(b['top_p']),
    };
  },

  render(r: ChatResult, req: ChatRequest, ids: IdSource): Record<string, unknown> {
    return {
      id: `msg_bdrk_${ids.alnum(24)}`,
      type: 'message',
      role: 'assistant',
      model: req.model.anthropicModel ?? req.model.modelId,
      content: r.text === '' ? [] : [{ type: 'text', text: r.text }],
      stop_reason: r.stopReason === 'content_filtered' ? 'refusal' : r.stopReason,
      stop_sequence: r.stopSequence ?? null,
      usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
    };
  },
};
