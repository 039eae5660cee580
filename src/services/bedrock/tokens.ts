/**
 * irsa-local's token count: a deterministic stand-in for a model's tokenizer, so that usage
 * numbers, max-token limits and the token-count headers agree with the text actually returned.
 * A token is a run of up to 12 letters, up to 3 digits, or one other character, each with the
 * whitespace before it; trailing whitespace is a token of its own. Joining the tokens gives the
 * text back exactly. Real tokenizers differ per model; these counts are of the same order as
 * English BPE counts but are not meant to match any provider's.
 */
const TOKEN = /\s*(?:\p{L}{1,12}|\p{N}{1,3}|[^\s\p{L}\p{N}])|\s+/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function countTokens(text: string): number {
  let n = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(text) !== null) n++;
  return n;
}

export interface Limited {
  readonly text: string;
  readonly tokens: number;
  readonly stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence';
  readonly stopSequence?: string;
}

/**
 * Generation limits applied to a finished text as a model applies them while generating, token
 * by token: it stops at the first stop sequence the output contains (which is not returned), or
 * after `maxTokens` tokens, whichever comes first.
 */
export function applyLimits(text: string, maxTokens: number, stopSequences: readonly string[]): Limited {
  const tokens = tokenize(text);
  let stopAt = -1;
  let stop: string | undefined;
  for (const s of stopSequences) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && (stopAt < 0 || i < stopAt)) {
      stopAt = i;
      stop = s;
    }
  }
  if (stopAt >= 0 && stop !== undefined) {
    // The stop sequence is complete once the token holding its last character is generated.
    const end = stopAt + stop.length;
    let pos = 0;
    let produced = 0;
    while (pos < end && produced < tokens.length) pos += (tokens[produced++] as string).length;
    if (produced <= maxTokens) {
      const kept = text.slice(0, stopAt);
      return { text: kept, tokens: countTokens(kept), stopReason: 'stop_sequence', stopSequence: stop };
    }
  }
  if (tokens.length > maxTokens) return { text: tokens.slice(0, maxTokens).join(''), tokens: maxTokens, stopReason: 'max_tokens' };
  return { text, tokens: tokens.length, stopReason: 'end_turn' };
}
