import { checkConversation, textOnly, validation, type ChatMessage, type ChatRequest, type ChatResult } from './chat.js';
import type { FoundationModel } from './models.js';

/**
 * Converse, the one messages API for every model: `messages` of content blocks, `system` blocks
 * and `inferenceConfig` (`maxTokens`, `temperature`, `topP`, `stopSequences`) become a
 * ChatRequest; the answer is `output.message`, `stopReason`, `usage` and `metrics.latencyMs`.
 * Model limits are reported as Converse reports them ("The maximum tokens you requested exceeds
 * the model limit of 4096. …"). `toolConfig`, `additionalModelRequestFields` and request
 * metadata are accepted and not used: the reply is always text.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
type Block = Record<string, unknown>;

function blockText(block: Block, where: string): string {
  if (typeof block['text'] === 'string') return block['text'];
  if ('cachePoint' in block) return '';
  const guarded = (block['guardContent'] as { text?: { text?: string } } | undefined)?.text?.text;
  if (typeof guarded === 'string') return guarded;
  throw textOnly(where, Object.keys(block)[0] ?? 'empty');
}

export function converseRequest(model: FoundationModel, input: Record<string, unknown>): ChatRequest {
  const raw = (input['messages'] ?? []) as { role: 'user' | 'assistant'; content: Block[] }[];
  const messages: ChatMessage[] = raw.map((m, i) => ({ role: m.role, text: m.content.map((b, j) => blockText(b, `messages.${i}.content.${j}`)).join('') }));
  checkConversation(messages);
  const systemBlocks = (input['system'] ?? []) as Block[];
  const system = systemBlocks.map((b, i) => blockText(b, `system.${i}`)).filter((t) => t !== '');
  if (system.length && !model.systemPrompts) {
    throw validation("This model doesn't support system messages. Try again without a system message or use a model that supports system messages.");
  }
  const config = (input['inferenceConfig'] ?? {}) as { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  if (config.maxTokens !== undefined && config.maxTokens > model.maxOutputTokens) {
    throw validation(`The maximum tokens you requested exceeds the model limit of ${model.maxOutputTokens}. Try again with a maximum tokens value that is lower than ${model.maxOutputTokens}.`);
  }
  return {
    model,
    system,
    messages,
    maxTokens: config.maxTokens ?? model.defaultMaxTokens,
    stopSequences: config.stopSequences ?? [],
    temperature: config.temperature,
    topP: config.topP,
  };
}

export function converseResponse(r: ChatResult, latencyMs: number): Record<string, unknown> {
  return {
    output: { message: { role: 'assistant', content: r.text === '' ? [] : [{ text: r.text }] } },
    stopReason: r.stopReason,
    usage: { inputTokens: r.inputTokens, outputTokens: r.outputTokens, totalTokens: r.inputTokens + r.outputTokens },
    metrics: { latencyMs },
  };
}
