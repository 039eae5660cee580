import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ChatRequest } from '../../src/services/bedrock/chat.js';
import { findModel } from '../../src/services/bedrock/models.js';
import { OpenAiBackend, type OpenAiBackendOptions } from '../../src/services/bedrock/openai-backend.js';

/**
 * The OpenAI-compatible backend against a local HTTP server playing the external API: what it
 * sends, how answers map back, and how each kind of failure becomes Bedrock's error.
 */
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
/** What the fake API does for the next request, by the `model` the request names. */
const behaviours: Record<string, (res: ServerResponse) => void> = {
  'gpt-local': (res) => json(res, 200, { id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Forty-two. Then more text' }, finish_reason: 'stop' }], usage: { prompt_tokens: 17, completion_tokens: 5, total_tokens: 22 } }),
  'no-usage': (res) => json(res, 200, { choices: [{ message: { role: 'assistant', content: 'cut short' }, finish_reason: 'length' }] }),
  filtered: (res) => json(res, 200, { choices: [{ message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }] }),
  slow: (res) => setTimeout(() => json(res, 200, { choices: [] }), 3000).unref(),
  'slow-body': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"choices":');
    setTimeout(() => res.end('[]}'), 3000).unref();
  },
  garbage: (res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>');
  },
  'no-choices': (res) => json(res, 200, { object: 'list', data: [] }),
  huge: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let n = 0;
    const write = (): void => {
      while (n++ < 64) if (!res.write(chunk)) return void res.once('drain', write);
      res.end();
    };
    write();
  },
  busy: (res) => json(res, 429, { error: { message: 'Rate limit reached', type: 'rate_limit' } }),
  invalid: (res) => json(res, 400, { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error' } }),
  broken: (res) => json(res, 500, { error: { message: 'internal\nfailure' } }),
};

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

before(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    seen.push({ path: req.url ?? '', headers: req.headers, body });
    (behaviours[body['model'] as string] ?? ((r) => json(r, 404, { error: { message: 'model not found' } })))(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const model = findModel('us-east-1', 'anthropic.claude-3-haiku-20240307-v1:0')!;
const chat: ChatRequest = { model, system: ['Be brief.'], messages: [{ role: 'user', text: 'Meaning of life?' }, { role: 'assistant', text: 'Hmm.' }, { role: 'user', text: 'Well?' }], maxTokens: 64, stopSequences: ['Then', 'a', 'b', 'c', 'd'], temperature: 0.3, topP: 0.8 };

function backend(defaultModel: string, over: Partial<OpenAiBackendOptions> = {}): OpenAiBackend {
  return new OpenAiBackend({ url: base, apiKey: 'sk-test-secret', defaultModel, timeoutMs: 1000, maxResponseBytes: 1024 * 1024, ...over });
}

describe('OpenAI-compatible backend', () => {
  it('sends the conversation as a chat completion, with the key as a bearer token and the mapped model', async () => {
    seen.length = 0;
    const out = await backend('gpt-local').complete(chat);
    const r = seen[0]!;
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.headers['authorization'], 'Bearer sk-test-secret');
    assert.deepEqual(r.body, {
      model: 'gpt-local',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Meaning of life?' },
        { role: 'assistant', content: 'Hmm.' },
        { role: 'user', content: 'Well?' },
      ],
      max_tokens: 64,
      stream: false,
      temperature: 0.3,
      top_p: 0.8,
      stop: ['Then', 'a', 'b', 'c'],
    });
    // The fifth stop sequence ("d") is not sent (OpenAI takes four); all are applied to the answer.
    assert.deepEqual(out, { text: 'Forty-two. ', stopReason: 'stop_sequence', stopSequence: 'Then', inputTokens: 17, outputTokens: 5 });
  });

  it('uses a per-model mapping first, then the default, then the Bedrock id', async () => {
    assert.equal(new OpenAiBackend({ url: base, byModelId: new Map([[model.modelId, 'x']]), defaultModel: 'y', timeoutMs: 1, maxResponseBytes: 1 }).backendModel(model.modelId), 'x');
    assert.equal(new OpenAiBackend({ url: base, defaultModel: 'y', timeoutMs: 1, maxResponseBytes: 1 }).backendModel(model.modelId), 'y');
    assert.equal(new OpenAiBackend({ url: base, timeoutMs: 1, maxResponseBytes: 1 }).backendModel(model.modelId), model.modelId);
  });

  it('maps finish reasons and counts tokens itself when the API reports no usage', async () => {
    const cut = await backend('no-usage').complete({ ...chat, stopSequences: [] });
    assert.deepEqual(cut, { text: 'cut short', stopReason: 'max_tokens', stopSequence: undefined, inputTokens: 11, outputTokens: 2 });
    const filtered = await backend('filtered').complete({ ...chat, stopSequences: [] });
    assert.equal(filtered.stopReason, 'content_filtered');
    assert.equal(filtered.text, '');
  });

  it('an answer slower than the timeout is a ModelTimeoutException, while waiting and while reading', async () => {
    await assert.rejects(backend('slow', { timeoutMs: 300 }).complete(chat), { code: 'ModelTimeoutException', httpStatus: 408 });
    await assert.rejects(backend('slow-body', { timeoutMs: 300 }).complete(chat), { code: 'ModelTimeoutException', httpStatus: 408 });
  });

  it('garbage, a body without choices or a body over the bound is a ModelErrorException', async () => {
    await assert.rejects(backend('garbage').complete(chat), { code: 'ModelErrorException', httpStatus: 424, message: 'The model returned a response that is not JSON.' });
    await assert.rejects(backend('no-choices').complete(chat), { code: 'ModelErrorException', message: 'The model returned a response without a chat completion choice.' });
    await assert.rejects(backend('huge', { maxResponseBytes: 256 * 1024 }).complete(chat), { code: 'ModelErrorException', message: "The model's response exceeds 262144 bytes." });
  });

  it("the API's errors become Bedrock's, never echoing the key", async () => {
    await assert.rejects(backend('busy').complete(chat), { code: 'ThrottlingException', httpStatus: 429 });
    await assert.rejects(backend('invalid').complete(chat), { code: 'ValidationException', message: "The model returned the following errors: This model's maximum context length is 8192 tokens" });
    await assert.rejects(backend('broken').complete(chat), (e: unknown) => {
      const err = e as { code: string; httpStatus: number; message: string; originalStatusCode: number; resourceName: string };
      assert.equal(err.code, 'ModelErrorException');
      assert.equal(err.httpStatus, 424);
      assert.equal(err.message, 'The model returned HTTP 500: internal failure');
      assert.equal(err.originalStatusCode, 500);
      assert.equal(err.resourceName, 'broken');
      assert.doesNotMatch(err.message, /sk-test-secret/);
      return true;
    });
  });

  it('an endpoint nobody listens on is a ServiceUnavailableException', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(new OpenAiBackend({ url: `http://127.0.0.1:${port}/v1`, timeoutMs: 2000, maxResponseBytes: 1024 }).complete(chat), { code: 'ServiceUnavailableException', httpStatus: 503 });
  });
});
