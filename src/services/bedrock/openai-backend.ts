import { AwsError } from '../../aws/error.js';
import { ModelErrorException, validation, type ChatBackend, type ChatRequest, type ChatResult, type StopReason } from './chat.js';
import { promptTokens } from './local-model.js';
import { applyLimits, countTokens } from './tokens.js';

/**
 * A chat backend over an OpenAI-compatible HTTP API (`POST {url}/chat/completions`: OpenAI,
 * vLLM, llama.cpp's server, Ollama, LiteLLM …), for `irsa up --bedrock-backend URL`.
 *
 * The request carries the system prompt as a `system` message, the conversation, `max_tokens`,
 * `temperature`, `top_p` and up to four `stop` sequences (OpenAI's limit; all of them are also
 * applied to the answer here). The Bedrock model id is sent as `model` unless a mapping names
 * another. Failures become Bedrock's errors: no answer within the timeout → ModelTimeoutException
 * (408); the endpoint unreachable → ServiceUnavailableException (503); HTTP 429 →
 * ThrottlingException (429); HTTP 400/413/422 → ValidationException "The model returned the
 * following errors: …"; any other status, a body that is not a chat completion, or one larger
 * than the bound → ModelErrorException (424). The API key travels only in the Authorization
 * header and appears in no message.
 * https://platform.openai.com/docs/api-reference/chat/create
 */
export interface OpenAiBackendOptions {
  /** Base URL, e.g. `http://127.0.0.1:11434/v1`. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Backend model for every Bedrock model (when no `byModelId` entry matches). */
  readonly defaultModel?: string | undefined;
  readonly byModelId?: ReadonlyMap<string, string>;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

const OPENAI_MAX_STOP = 4;
const MAX_ERROR_TEXT = 500;

export class OpenAiBackend implements ChatBackend {
  readonly name: string;
  private readonly endpoint: string;

  constructor(private readonly opts: OpenAiBackendOptions) {
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/chat/completions`;
    this.name = `openai-compatible ${new URL(this.endpoint).origin}`;
  }

  backendModel(modelId: string): string {
    return this.opts.byModelId?.get(modelId) ?? this.opts.defaultModel ?? modelId;
  }

  async complete(req: ChatRequest): Promise<ChatResult> {
    const model = this.backendModel(req.model.modelId);
    const payload: Record<string, unknown> = {
      model,
      messages: [...(req.system.length ? [{ role: 'system', content: req.system.join('\n\n') }] : []), ...req.messages.map((m) => ({ role: m.role, content: m.text }))],
      max_tokens: req.maxTokens,
      stream: false,
    };
    if (req.temperature !== undefined) payload['temperature'] = req.temperature;
    if (req.topP !== undefined) payload['top_p'] = req.topP;
    if (req.stopSequences.length) payload['stop'] = req.stopSequences.slice(0, OPENAI_MAX_STOP);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.opts.apiKey) headers['authorization'] = `Bearer ${this.opts.apiKey}`;

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.opts.timeoutMs);
    let status: number;
    let text: string;
    try {
      let res: Response;
      try {
        res = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify(payload), signal: abort.signal, redirect: 'error' });
      } catch (e) {
        if (abort.signal.aborted) throw timedOut();
        throw new AwsError('ServiceUnavailableException', `The model endpoint is unavailable: ${describeFailure(e)}`, 503, false);
      }
      status = res.status;
      text = await readBounded(res, this.opts.maxResponseBytes, abort);
    } finally {
      clearTimeout(timer);
    }
    if (status === 429) throw new AwsError('ThrottlingException', 'Too many requests, please wait before trying again.', 429);
    if (status === 400 || status === 413 || status === 422) throw validation(`The model returned the following errors: ${errorText(text)}`);
    if (status < 200 || status > 299) throw new ModelErrorException(`The model returned HTTP ${status}: ${errorText(text)}`, status, model);
    return this.result(req, text, model);
  }

  private result(req: ChatRequest, text: string, model: string): ChatResult {
    let body: { choices?: { message?: { content?: unknown }; finish_reason?: unknown }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ModelErrorException('The model returned a response that is not JSON.', 200, model);
    }
    const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
    const content = choice?.message?.content;
    if (!choice || (typeof content !== 'string' && content !== null)) throw new ModelErrorException('The model returned a response without a chat completion choice.', 200, model);
    let reply = content ?? '';
    let stopReason: StopReason = choice.finish_reason === 'length' ? 'max_tokens' : choice.finish_reason === 'content_filter' ? 'content_filtered' : 'end_turn';
    let stopSequence: string | undefined;
    const cut = applyLimits(reply, Number.MAX_SAFE_INTEGER, req.stopSequences);
    if (cut.stopReason === 'stop_sequence') {
      reply = cut.text;
      stopReason = 'stop_sequence';
      stopSequence = cut.stopSequence;
    }
    const usage = body.usage;
    const inputTokens = typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : promptTokens(req);
    const reported = typeof usage?.completion_tokens === 'number' && stopReason !== 'stop_sequence' ? usage.completion_tokens : undefined;
    return { text: reply, stopReason, stopSequence, inputTokens, outputTokens: reported ?? countTokens(reply) };
  }
}

function timedOut(): AwsError {
  return new AwsError('ModelTimeoutException', 'The model did not answer within the configured timeout. Try your request again.', 408);
}

/** The response body as text, failing once it exceeds `max` bytes or the timeout fires. */
async function readBounded(res: Response, max: number, abort: AbortController): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > max) {
          abort.abort();
          throw new ModelErrorException(`The model's response exceeds ${max} bytes.`, res.status);
        }
        chunks.push(chunk);
      }
    }
  } catch (e) {
    if (e instanceof AwsError) throw e;
    if (abort.signal.aborted) throw timedOut();
    throw new ModelErrorException(`The model's response could not be read: ${describeFailure(e)}`, res.status);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A backend's error text for a Bedrock message: OpenAI's `error.message` when present, bounded and on one line. */
function errorText(text: string): string {
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: the text itself
  }
  message = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return message.length > MAX_ERROR_TEXT ? `${message.slice(0, MAX_ERROR_TEXT)}…` : message || '(no details)';
}

function describeFailure(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return e instanceof Error ? e.message : 'unknown error';
}
