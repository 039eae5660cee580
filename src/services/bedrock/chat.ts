import { AwsError } from '../../aws/error.js';
import type { FoundationModel } from './models.js';

/**
 * The one request every body format and Converse map to, and what a backend answers. Each model
 * family's InvokeModel body is read into a ChatRequest and the ChatResult written back in that
 * family's response format, so the local model and an external backend serve all of them.
 */
export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

export interface ChatRequest {
  readonly model: FoundationModel;
  readonly system: readonly string[];
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly stopSequences: readonly string[];
  readonly temperature?: number | undefined;
  readonly topP?: number | undefined;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'content_filtered';

export interface ChatResult {
  readonly text: string;
  readonly stopReason: StopReason;
  /** The stop sequence that ended the text, when stopReason is `stop_sequence`. */
  readonly stopSequence?: string | undefined;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What answers a ChatRequest: the built-in local model or an external endpoint. */
export interface ChatBackend {
  readonly name: string;
  complete(req: ChatRequest): Promise<ChatResult>;
}

/** Bedrock's ValidationException (400). */
export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

/**
 * "Malformed input request: …, please reformat your input and try again." — the form of every
 * body-format error InvokeModel returns (the inner text is a JSON-schema violation).
 */
export function malformed(detail: string): AwsError {
  return validation(`Malformed input request: ${detail}, please reformat your input and try again.`);
}

/** Messages must start with the user and alternate; a trailing assistant turn is a prefill. */
export function conversationProblem(messages: readonly ChatMessage[]): 'empty' | 'first' | { readonly repeated: 'user' | 'assistant' } | undefined {
  if (!messages.length) return 'empty';
  if (messages[0]?.role !== 'user') return 'first';
  for (let i = 1; i < messages.length; i++) {
    const role = (messages[i] as ChatMessage).role;
    if (role === (messages[i - 1] as ChatMessage).role) return { repeated: role };
  }
  return undefined;
}

/**
 * irsa-local's answer to content it cannot pass on (images, documents, tool calls and results):
 * a ValidationException that says so, rather than a reply that silently ignores part of the
 * prompt.
 */
export function textOnly(where: string, kind: string): AwsError {
  return validation(`irsa-local serves text content only: ${where} is a ${kind} block`);
}

/** Converse's (and Amazon's models') wording for a conversation in the wrong shape. */
export function checkConversation(messages: readonly ChatMessage[]): void {
  const problem = conversationProblem(messages);
  if (problem === 'empty' || problem === 'first') throw validation('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  if (problem) throw validation('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
}

/**
 * ModelErrorException (424): the model failed while processing the request. It carries the
 * status the model answered with and the model's name, as the Bedrock model does.
 */
export class ModelErrorException extends AwsError {
  constructor(
    message: string,
    readonly originalStatusCode?: number,
    readonly resourceName?: string,
  ) {
    super('ModelErrorException', message, 424, true);
  }
}
