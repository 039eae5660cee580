import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { violations } from '../../src/services/bedrock/body-schema.js';
import type { ChatBackend, ChatRequest, ChatResult } from '../../src/services/bedrock/chat.js';
import { converseRequest } from '../../src/services/bedrock/converse.js';
import { BODY_FORMATS, type IdSource } from '../../src/services/bedrock/formats/index.js';
import { readPromptTemplate } from '../../src/services/bedrock/formats/templates.js';
import { LocalModel } from '../../src/services/bedrock/local-model.js';
import { findModel, type FoundationModel } from '../../src/services/bedrock/models.js';
import { Bedrock } from '../../src/services/bedrock/runtime.js';

const ids: IdSource = { alnum: (n) => 'x'.repeat(n), uuid: () => '00000000-0000-4000-8000-000000000000' };
const model = (id: string): FoundationModel => findModel('us-east-1', id) as FoundationModel;
const bytes = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

/** A backend that returns a fixed result and remembers the request. */
function fixed(result: Partial<ChatResult> = {}): ChatBackend & { last?: ChatRequest } {
  const b: ChatBackend & { last?: ChatRequest } = {
    name: 'fixed',
    async complete(req) {
      b.last = req;
      return { text: 'the answer', stopReason: 'end_turn', inputTokens: 11, outputTokens: 2, ...result };
    },
  };
  return b;
}

function rejects(fn: () => unknown, code: string, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('Anthropic Claude Messages bodies', () => {
  const claude = model('anthropic.claude-3-haiku-20240307-v1:0');
  const f = BODY_FORMATS['anthropic-messages'];

  it('reads the request and writes a message', () => {
    const req = f.parse(
      bytes({
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 300,
        system: 'You are terse.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: ' there' }] }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Again' }],
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ['\n\nHuman:'],
      }),
      claude,
    );
    assert.deepEqual(req.system, ['You are terse.']);
    assert.deepEqual(req.messages, [{ role: 'user', text: 'Hi there' }, { role: 'assistant', text: 'Hello' }, { role: 'user', text: 'Again' }]);
    assert.equal(req.maxTokens, 300);
    assert.deepEqual(req.stopSequences, ['\n\nHuman:']);
    assert.equal(req.temperature, 0.2);
    const out = f.render({ text: 'Yes', stopReason: 'stop_sequence', stopSequence: '\n\nHuman:', inputTokens: 5, outputTokens: 1 }, req, ids);
    assert.deepEqual(out, {
      id: `msg_bdrk_${'x'.repeat(24)}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-3-haiku-20240307',
      content: [{ type: 'text', text: 'Yes' }],
      stop_reason: 'stop_sequence',
      stop_sequence: '\n\nHuman:',
      usage: { input_tokens: 5, output_tokens: 1 },
    });
  });

  it('reports schema violations as AWS does, all of them, one after the other', () => {
    rejects(
      () => f.parse(bytes({ max_tokens: 10, messages: [{ role: 'user', content: 'x' }], model: 'claude', stream: false }), claude),
      'ValidationException',
      'Malformed input request: #: required key [anthropic_version] not found#: extraneous key [model] is not permitted#: extraneous key [stream] is not permitted, please reformat your input and try again.',
    );
    rejects(
      () => f.parse(bytes({ anthropic_version: 'bedrock-2023-05-31', max_tokens: '10', messages: [{ role: 'user', content: [] }] }), claude),
      'ValidationException',
      'Malformed input request: #/max_tokens: expected type: Integer, found: String#/messages/0/content: expected type: String, found: JSONArray#/messages/0/content: expected minimum item count: 1, found: 0, please reformat your input and try again.',
    );
    rejects(() => f.parse(bytes('{"not json'), claude), 'ValidationException', 'Malformed input request, please reformat your input and try again.');
  });

  it("checks the conversation and the model's output limit in Anthropic's words", () => {
    const body = (messages: unknown, max = 10) => bytes({ anthropic_version: 'bedrock-2023-05-31', max_tokens: max, messages });
    rejects(() => f.parse(body([]), claude), 'ValidationException', 'messages: at least one message is required');
    rejects(() => f.parse(body([{ role: 'assistant', content: 'x' }]), claude), 'ValidationException', 'messages: first message must use the "user" role');
    rejects(
      () => f.parse(body([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]), claude),
      'ValidationException',
      'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
    );
    rejects(() => f.parse(body([{ role: 'user', content: 'a' }], 5000), claude), 'ValidationException', 'max_tokens: 5000 > 4096, which is the maximum allowed number of output tokens for claude-3-haiku-20240307');
    rejects(() => f.parse(body([{ role: 'user', content: [{ type: 'image', source: {} }] }]), claude), 'ValidationException', 'irsa-local serves text content only: messages.0.content.0 is a image block');
  });
});

describe('Amazon Titan Text bodies', () => {
  const titan = model('amazon.titan-text-express-v1');
  const f = BODY_FORMATS['titan-text'];

  it('reads inputText and textGenerationConfig and writes results[]', () => {
    const req = f.parse(bytes({ inputText: 'User: hello\nBot:', textGenerationConfig: { maxTokenCount: 64, stopSequences: ['User:'], temperature: 0, topP: 1 } }), titan);
    assert.deepEqual(req.messages, [{ role: 'user', text: 'User: hello\nBot:' }]);
    assert.equal(req.maxTokens, 64);
    assert.equal(f.parse(bytes({ inputText: 'x' }), titan).maxTokens, 512, 'Titan generates 512 tokens by default');
    const reasons = (['end_turn', 'max_tokens', 'stop_sequence', 'content_filtered'] as const).map((stopReason) => (f.render({ text: 't', stopReason, inputTokens: 3, outputTokens: 1 }, req, ids)['results'] as { completionReason: string }[])[0]?.completionReason);
    assert.deepEqual(reasons, ['FINISH', 'LENGTH', 'STOP_CRITERIA_MET', 'CONTENT_FILTERED']);
    assert.deepEqual(f.render({ text: 'ok', stopReason: 'end_turn', inputTokens: 3, outputTokens: 1 }, req, ids), { inputTextTokenCount: 3, results: [{ tokenCount: 1, outputText: 'ok', completionReason: 'FINISH' }] });
  });

  it("enforces the model's maxTokenCount and the types", () => {
    rejects(() => f.parse(bytes({ inputText: 'x', textGenerationConfig: { maxTokenCount: 9000 } }), titan), 'ValidationException', /#\/textGenerationConfig\/maxTokenCount: 9000 is not less or equal to 8192/);
    rejects(() => f.parse(bytes({ inputText: 'x', textGenerationConfig: { maxTokenCount: 4000 } }), model('amazon.titan-text-premier-v1:0')), 'ValidationException', /4000 is not less or equal to 3072/);
    rejects(() => f.parse(bytes({ inputText: 'x', textGenerationConfig: { stopSequences: 'User:' } }), titan), 'ValidationException', /#\/textGenerationConfig\/stopSequences: expected type: JSONArray, found: String/);
    rejects(() => f.parse(bytes({ inputText: '' }), titan), 'ValidationException', /#\/inputText: expected minLength: 1, actual: 0/);
  });
});

describe('Amazon Nova bodies', () => {
  const f = BODY_FORMATS.nova;
  const pro = model('amazon.nova-pro-v1:0');

  it('reads messages-v1 and writes output.message, stopReason and usage', () => {
    const req = f.parse(
      bytes({ schemaVersion: 'messages-v1', system: [{ text: 'Be kind.' }], messages: [{ role: 'user', content: [{ text: 'Hello' }] }], inferenceConfig: { max_new_tokens: 100, top_p: 0.5, stopSequences: ['###'] } }),
      pro,
    );
    assert.deepEqual(req.system, ['Be kind.']);
    assert.equal(req.maxTokens, 100);
    assert.equal(req.topP, 0.5);
    assert.equal(f.parse(bytes({ messages: [{ role: 'user', content: [{ text: 'x' }] }], inferenceConfig: { maxTokens: 7 } }), pro).maxTokens, 7);
    assert.deepEqual(f.render({ text: 'Hi', stopReason: 'max_tokens', inputTokens: 4, outputTokens: 1 }, req, ids), {
      output: { message: { content: [{ text: 'Hi' }], role: 'assistant' } },
      stopReason: 'max_tokens',
      usage: { inputTokens: 4, outputTokens: 1, totalTokens: 5, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
    });
  });

  it('refuses keys of other formats and conversations that do not alternate', () => {
    rejects(() => f.parse(bytes({ messages: [{ role: 'user', content: [{ text: 'x' }] }], max_tokens: 10 }), pro), 'ValidationException', 'Malformed input request: #: extraneous key [max_tokens] is not permitted, please reformat your input and try again.');
    rejects(
      () => f.parse(bytes({ messages: [{ role: 'user', content: [{ text: 'x' }] }, { role: 'user', content: [{ text: 'y' }] }] }), pro),
      'ValidationException',
      'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
    );
  });
});

describe('Meta Llama and Mistral bodies', () => {
  it('Llama: prompt and max_gen_len → generation and token counts; the chat template is read back into turns', () => {
    const f = BODY_FORMATS.llama;
    const llama = model('meta.llama3-8b-instruct-v1:0');
    const prompt = '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is OIDC?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';
    const req = f.parse(bytes({ prompt, max_gen_len: 128, temperature: 0.5, top_p: 0.9 }), llama);
    assert.deepEqual(req.system, ['Be brief.']);
    assert.deepEqual(req.messages, [{ role: 'user', text: 'What is OIDC?' }]);
    assert.equal(req.maxTokens, 128);
    assert.deepEqual(f.render({ text: 'g', stopReason: 'max_tokens', inputTokens: 9, outputTokens: 1 }, req, ids), { generation: 'g', prompt_token_count: 9, generation_token_count: 1, stop_reason: 'length' });
    rejects(() => f.parse(bytes({ prompt: 'x', max_gen_len: 4096 }), llama), 'ValidationException', 'Malformed input request: #/max_gen_len: 4096 is not less or equal to 2048, please reformat your input and try again.');
    rejects(() => f.parse(bytes({ prompt: 'x', max_tokens: 10 }), llama), 'ValidationException', /extraneous key \[max_tokens\] is not permitted/);
  });

  it('Mistral: prompt, max_tokens and stop → outputs[]', () => {
    const f = BODY_FORMATS.mistral;
    const mistral = model('mistral.mistral-7b-instruct-v0:2');
    const req = f.parse(bytes({ prompt: '<s>[INST] What is STS? [/INST]', max_tokens: 50, stop: ['</s>'], top_k: 50 }), mistral);
    assert.deepEqual(req.messages, [{ role: 'user', text: 'What is STS?' }]);
    assert.deepEqual(req.stopSequences, ['</s>']);
    assert.deepEqual(f.render({ text: 'o', stopReason: 'stop_sequence', inputTokens: 1, outputTokens: 1 }, req, ids), { outputs: [{ text: 'o', stop_reason: 'stop' }] });
    rejects(() => f.parse(bytes({ prompt: 'x', stop: Array(11).fill('a') }), mistral), 'ValidationException', /#\/stop: expected maximum item count: 10, found: 11/);
    rejects(() => f.parse(bytes({ prompt: 'x', max_tokens: 5000 }), model('mistral.mixtral-8x7b-instruct-v0:1')), 'ValidationException', /5000 is not less or equal to 4096/);
  });

  it('reads Llama 2 / Mistral [INST] conversations with a system block and earlier answers', () => {
    assert.deepEqual(readPromptTemplate('<s>[INST] <<SYS>>\nBe nice.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]'), {
      system: ['Be nice.'],
      messages: [{ role: 'user', text: 'Hi' }, { role: 'assistant', text: 'Hello!' }, { role: 'user', text: 'Bye' }],
    });
    assert.deepEqual(readPromptTemplate('plain text'), { system: [], messages: [{ role: 'user', text: 'plain text' }] });
  });
});

describe('Cohere Command R bodies', () => {
  it('reads message, chat_history and preamble; writes text, chat_history and billed units', () => {
    const f = BODY_FORMATS['cohere-command-r'];
    const req = f.parse(bytes({ message: 'And now?', preamble: 'You help.', chat_history: [{ role: 'USER', message: 'Hi' }, { role: 'CHATBOT', message: 'Hello' }], max_tokens: 20, p: 0.5, k: 10 }), model('cohere.command-r-v1:0'));
    assert.deepEqual(req.system, ['You help.']);
    assert.deepEqual(req.messages, [{ role: 'user', text: 'Hi' }, { role: 'assistant', text: 'Hello' }, { role: 'user', text: 'And now?' }]);
    const out = f.render({ text: 'Now this.', stopReason: 'end_turn', inputTokens: 6, outputTokens: 3 }, req, ids);
    assert.equal(out['text'], 'Now this.');
    assert.equal(out['finish_reason'], 'COMPLETE');
    assert.deepEqual(out['meta'], { api_version: { version: '1' }, billed_units: { input_tokens: 6, output_tokens: 3 } });
    assert.deepEqual((out['chat_history'] as unknown[]).at(-1), { role: 'CHATBOT', message: 'Now this.' });
    rejects(() => f.parse(bytes({ message: 'x', max_tokens: 4001 }), model('cohere.command-r-v1:0')), 'ValidationException', /4001 is not less or equal to 4000/);
  });
});

describe('Converse requests', () => {
  const input = (over: Record<string, unknown> = {}) => ({ modelId: 'x', messages: [{ role: 'user', content: [{ text: 'Hi' }] }], ...over });

  it('maps messages, system and inferenceConfig', () => {
    const req = converseRequest(model('amazon.nova-lite-v1:0'), input({ system: [{ text: 'S' }, { cachePoint: { type: 'default' } }], inferenceConfig: { maxTokens: 9, stopSequences: ['z'], temperature: 0.1 } }));
    assert.deepEqual(req.system, ['S']);
    assert.equal(req.maxTokens, 9);
    assert.deepEqual(req.stopSequences, ['z']);
    assert.equal(converseRequest(model('amazon.nova-lite-v1:0'), input()).maxTokens, 10000, "the model's default");
  });

  it("answers Converse's errors in Converse's words", () => {
    const claude = model('anthropic.claude-3-haiku-20240307-v1:0');
    rejects(() => converseRequest(claude, input({ messages: [] })), 'ValidationException', 'A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    rejects(() => converseRequest(claude, input({ inferenceConfig: { maxTokens: 4097 } })), 'ValidationException', 'The maximum tokens you requested exceeds the model limit of 4096. Try again with a maximum tokens value that is lower than 4096.');
    rejects(() => converseRequest(model('amazon.titan-text-lite-v1'), input({ system: [{ text: 'S' }] })), 'ValidationException', /^This model doesn't support system messages/);
    rejects(() => converseRequest(claude, input({ messages: [{ role: 'user', content: [{ image: { format: 'png', source: { bytes: Buffer.from('x') } } }] }] })), 'ValidationException', 'irsa-local serves text content only: messages.0.content.0 is a image block');
  });
});

describe('InvokeModel and Converse', () => {
  const bedrock = (backend: ChatBackend = new LocalModel()) => new Bedrock({ backend, ids, clock: () => 0 });
  const claudeBody = bytes({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });

  it('invokes a model by id or ARN and reports token counts', async () => {
    const backend = fixed();
    const out = await bedrock(backend).invokeModel('us-east-1', { modelId: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', body: claudeBody, contentType: 'application/json', accept: 'application/json' });
    assert.equal(out.contentType, 'application/json');
    assert.equal(out.inputTokens, 11);
    assert.equal(out.outputTokens, 2);
    assert.equal(JSON.parse(out.body.toString())['content'][0]['text'], 'the answer');
    assert.equal(backend.last?.model.modelId, 'anthropic.claude-3-haiku-20240307-v1:0');
  });

  it('refuses unknown models, provisioned-only models, other media types and guardrails', async () => {
    const b = bedrock();
    await assert.rejects(b.invokeModel('us-east-1', { modelId: 'anthropic.claude-9-v1:0', body: claudeBody }), { code: 'ValidationException', message: 'The provided model identifier is invalid.' });
    await assert.rejects(b.invokeModel('eu-west-1', { modelId: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', body: claudeBody }), { message: 'The provided model identifier is invalid.' });
    await assert.rejects(b.invokeModel('us-east-1', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0:48k', body: claudeBody }), {
      message: "Invocation of model ID anthropic.claude-3-haiku-20240307-v1:0:48k with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
    });
    await assert.rejects(b.invokeModel('us-east-1', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body: claudeBody, contentType: 'application/json; charset=utf-8' }), {
      message: 'The provided Content Type is invalid or not supported for this model',
    });
    await assert.rejects(b.invokeModel('us-east-1', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body: claudeBody, accept: 'text/plain' }), { message: 'The provided Accept Type is invalid or not supported for this model' });
    await assert.rejects(b.invokeModel('us-east-1', { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', body: claudeBody, guardrailIdentifier: 'gr1' }), {
      message: 'The guardrail identifier or version provided in the request does not exist.',
    });
    assert.throws(() => b.getFoundationModel('us-east-1', 'anthropic.claude-9-v1:0'), { code: 'ValidationException', message: 'Could not find model with identifier anthropic.claude-9-v1:0' });
  });

  it('answers Converse with output, stopReason, usage and metrics', async () => {
    const out = await bedrock(fixed({ stopReason: 'max_tokens' })).converse('us-east-1', { modelId: 'cohere.command-r-v1:0', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
    assert.deepEqual(out, { output: { message: { role: 'assistant', content: [{ text: 'the answer' }] } }, stopReason: 'max_tokens', usage: { inputTokens: 11, outputTokens: 2, totalTokens: 13 }, metrics: { latencyMs: 0 } });
  });
});

describe('body schema messages', () => {
  it('names the JSON types as the validator AWS uses does', () => {
    assert.deepEqual(violations({ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string', enum: ['x'] }, c: { type: 'number', minimum: 1 } } }, { a: 1.5, b: 'y', c: 0 }), [
      '#/a: expected type: Integer, found: BigDecimal',
      '#/b: y is not a valid enum value',
      '#/c: 0 is not greater or equal to 1',
    ]);
    assert.deepEqual(violations({ type: 'object' }, null), ['#: expected type: JSONObject, found: Null']);
  });
});
