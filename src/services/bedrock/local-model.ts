import { createHash } from 'node:crypto';
import type { ChatBackend, ChatRequest, ChatResult } from './chat.js';
import { applyLimits, countTokens } from './tokens.js';

/**
 * The built-in model that answers when no backend is configured. It runs no language model: the
 * reply is built from the prompt, so the same request always gets the same answer, and it says
 * plainly that it is local: `[irsa-local MODEL NAME] You wrote: "<the first 30 words of the last
 * user message>". This reply comes from irsa-local's built-in deterministic model, …` with the
 * number of messages and words and a fingerprint (8 hex digits of SHA-256 over the model id,
 * system prompt and messages) that changes with any change to the conversation.
 * Temperature and top-p change nothing. Stop sequences and the token limit are applied as a model
 * applies them, and usage counts the prompt and the returned text with `tokens.ts`.
 */
const QUOTED_WORDS = 30;

export class LocalModel implements ChatBackend {
  readonly name = 'local';

  async complete(req: ChatRequest): Promise<ChatResult> {
    const out = applyLimits(localReply(req), req.maxTokens, req.stopSequences);
    return { text: out.text, stopReason: out.stopReason, stopSequence: out.stopSequence, inputTokens: promptTokens(req), outputTokens: out.tokens };
  }
}

/** Tokens of the prompt as the model reads it: the system prompt and every message's text. */
export function promptTokens(req: ChatRequest): number {
  let n = 0;
  for (const s of req.system) n += countTokens(s);
  for (const m of req.messages) n += countTokens(m.text);
  return n;
}

export function localReply(req: ChatRequest): string {
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')?.text ?? '';
  const words = lastUser.split(/\s+/).filter(Boolean);
  const quoted = words.slice(0, QUOTED_WORDS).join(' ') + (words.length > QUOTED_WORDS ? ' …' : '');
  const allWords = [...req.system, ...req.messages.map((m) => m.text)].reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([req.model.modelId, req.system, req.messages.map((m) => [m.role, m.text])]))
    .digest('hex')
    .slice(0, 8);
  const turns = req.messages.length;
  return (
    `[irsa-local ${req.model.modelName}] ` +
    (words.length ? `You wrote: "${quoted}". ` : 'Your last message has no text. ') +
    `This reply comes from irsa-local's built-in deterministic model, not a language model: the conversation has ${turns} message${turns === 1 ? '' : 's'} ` +
    `and ${allWords} word${allWords === 1 ? '' : 's'} (fingerprint ${fingerprint}).`
  );
}
