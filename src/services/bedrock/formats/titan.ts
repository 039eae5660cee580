import { parseBody, type Schema } from '../body-schema.js';
import type { ChatRequest, ChatResult } from '../chat.js';
import type { FoundationModel } from '../models.js';
import { STRINGS, UNIT, optionalNumber, optionalStrings, type BodyFormat } from './format.js';

/**
 * Amazon Titan Text: `inputText` and an optional `textGenerationConfig` (`temperature`, `topP`,
 * `maxTokenCount` up to the model's limit — 8,192 Express, 4,096 Lite, 3,072 Premier — default
 * 512, `stopSequences`). The answer is `inputTextTokenCount` and `results[]` of `tokenCount`,
 * `outputText` and `completionReason` (FINISH, LENGTH, STOP_CRITERIA_MET, CONTENT_FILTERED).
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-text.html
 */
function schema(model: FoundationModel): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['inputText'],
    properties: {
      inputText: { type: 'string', minLength: 1 },
      textGenerationConfig: {
        type: 'object',
        additionalProperties: false,
        properties: { temperature: UNIT, topP: UNIT, maxTokenCount: { type: 'integer', minimum: 0, maximum: model.maxOutputTokens }, stopSequences: STRINGS },
      },
    },
  };
}

const REASONS = { end_turn: 'FINISH', max_tokens: 'LENGTH', stop_sequence: 'STOP_CRITERIA_MET', content_filtered: 'CONTENT_FILTERED' } as const;

export const titanText: BodyFormat = {
  parse(body: Uint8Array, model: FoundationModel): ChatRequest {
    const b = parseBody(body, schema(model));
    const config = (b['textGenerationConfig'] ?? {}) as Record<string, unknown>;
    return {
      model,
      system: [],
      messages: [{ role: 'user', text: b['inputText'] as string }],
      maxTokens: optionalNumber(config['maxTokenCount']) ?? model.defaultMaxTokens,
      stopSequences: optionalStrings(config['stopSequences']),
      temperature: optionalNumber(config['temperature']),
      topP: optionalNumber(config['topP']),
    };
  },

  render(r: ChatResult): Record<string, unknown> {
    return { inputTextTokenCount: r.inputTokens, results: [{ tokenCount: r.outputTokens, outputText: r.text, completionReason: REASONS[r.stopReason] }] };
  },
};
