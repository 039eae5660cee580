import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IamDataCatalog } from '../../src/catalog/iam-data.js';
import { authorizationTarget, OPERATION_ACTIONS, type BedrockOperation } from '../../src/services/bedrock/actions.js';
import type { ChatRequest } from '../../src/services/bedrock/chat.js';
import { LocalModel, localReply, promptTokens } from '../../src/services/bedrock/local-model.js';
import { filterModels, findModel, FOUNDATION_MODELS, modelResourceArn } from '../../src/services/bedrock/models.js';
import { applyLimits, countTokens, tokenize } from '../../src/services/bedrock/tokens.js';

const haiku = findModel('us-east-1', 'anthropic.claude-3-haiku-20240307-v1:0')!;

function req(over: Partial<ChatRequest> = {}): ChatRequest {
  return { model: haiku, system: [], messages: [{ role: 'user', text: 'What is IRSA, in one sentence?' }], maxTokens: 1000, stopSequences: [], ...over };
}

describe('tokens', () => {
  it('splits text into tokens that join back to the text', () => {
    for (const text of ['', 'Hello, world!', '  leading and trailing  ', 'numbers 1234567 and émojis 🎉 ünïcödé', 'supercalifragilisticexpialidocious\n\ttabs']) {
      assert.equal(tokenize(text).join(''), text);
      assert.equal(countTokens(text), tokenize(text).length);
    }
    assert.deepEqual(tokenize('Hello, world!'), ['Hello', ',', ' world', '!']);
    assert.deepEqual(tokenize('12345'), ['123', '45']);
  });

  it('stops at max tokens', () => {
    const out = applyLimits('one two three four five', 3, []);
    assert.deepEqual(out, { text: 'one two three', tokens: 3, stopReason: 'max_tokens' });
    assert.deepEqual(applyLimits('one two', 2, []), { text: 'one two', tokens: 2, stopReason: 'end_turn' });
    assert.equal(applyLimits('one two', 0, []).text, '');
  });

  it('stops before the earliest stop sequence, which is not returned', () => {
    const out = applyLimits('alpha beta. gamma END delta', 100, ['END', '.']);
    assert.deepEqual(out, { text: 'alpha beta', tokens: 2, stopReason: 'stop_sequence', stopSequence: '.' });
  });

  it('max tokens wins over a stop sequence that would come later', () => {
    const out = applyLimits('a b c d STOP e', 3, ['STOP']);
    assert.equal(out.stopReason, 'max_tokens');
    assert.equal(out.text, 'a b c');
  });
});

describe('the local model', () => {
  it('answers the same request with the same text, derived from the prompt and marked as local', async () => {
    const m = new LocalModel();
    const a = await m.complete(req());
    const b = await m.complete(req());
    assert.deepEqual(a, b);
    assert.match(a.text, /^\[irsa-local Claude 3 Haiku\] You wrote: "What is IRSA, in one sentence\?"\. This reply comes from irsa-local's built-in deterministic model, not a language model/);
    assert.equal(a.stopReason, 'end_turn');
  });

  it('counts tokens of what it reads and what it returns', async () => {
    const r = req({ system: ['Be brief.'], messages: [{ role: 'user', text: 'Hi there' }, { role: 'assistant', text: 'Hello!' }, { role: 'user', text: 'Tell me more' }] });
    const out = await new LocalModel().complete(r);
    assert.equal(out.inputTokens, countTokens('Be brief.') + countTokens('Hi there') + countTokens('Hello!') + countTokens('Tell me more'));
    assert.equal(out.inputTokens, promptTokens(r));
    assert.equal(out.outputTokens, countTokens(out.text));
    assert.match(out.text, /You wrote: "Tell me more"/);
    assert.match(out.text, /3 messages and 8 words/);
  });

  it('a different conversation gets a different fingerprint', () => {
    const fp = (t: string): string => /fingerprint ([0-9a-f]{8})/.exec(t)?.[1] ?? '';
    const a = localReply(req());
    const b = localReply(req({ system: ['x'] }));
    const c = localReply(req({ model: findModel('us-east-1', 'amazon.nova-pro-v1:0')! }));
    assert.notEqual(fp(a), fp(b));
    assert.notEqual(fp(a), fp(c));
    assert.equal(fp(a).length, 8);
  });

  it('honours max tokens and stop sequences', async () => {
    const short = await new LocalModel().complete(req({ maxTokens: 5 }));
    assert.equal(short.stopReason, 'max_tokens');
    assert.equal(short.outputTokens, 5);
    assert.equal(short.text, '[irsa-local Claude');
    const stopped = await new LocalModel().complete(req({ stopSequences: ['IRSA'] }));
    assert.equal(stopped.stopReason, 'stop_sequence');
    assert.equal(stopped.stopSequence, 'IRSA');
    assert.equal(stopped.text, '[irsa-local Claude 3 Haiku] You wrote: "What is ');
  });

  it('quotes at most 30 words', () => {
    const long = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    assert.match(localReply(req({ messages: [{ role: 'user', text: long }] })), /"w0 .* w29 …"/);
  });
});

describe('the model catalog', () => {
  it('lists each family with the fields ListFoundationModels returns', () => {
    const families = new Set(FOUNDATION_MODELS.map((m) => m.family));
    assert.deepEqual([...families].sort(), ['anthropic-messages', 'cohere-command-r', 'llama', 'mistral', 'nova', 'titan-text']);
    for (const m of FOUNDATION_MODELS) assert.match(m.modelId, /^[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})*(:[a-z0-9-]{1,63}){0,2}$/);
  });

  it('finds a model by id or by its ARN in the same region only', () => {
    assert.equal(findModel('eu-west-1', 'arn:aws:bedrock:eu-west-1::foundation-model/meta.llama3-8b-instruct-v1:0')?.modelId, 'meta.llama3-8b-instruct-v1:0');
    assert.equal(findModel('eu-west-1', 'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0'), undefined);
    assert.equal(findModel('eu-west-1', 'meta.llama9-v1:0'), undefined);
    assert.equal(modelResourceArn('eu-west-1', 'meta.llama3-8b-instruct-v1:0'), 'arn:aws:bedrock:eu-west-1::foundation-model/meta.llama3-8b-instruct-v1:0');
  });

  it('filters by provider (any case), output modality, inference type and customization', () => {
    assert.deepEqual(
      filterModels({ byProvider: 'meta' }).map((m) => m.modelId),
      ['meta.llama3-8b-instruct-v1:0', 'meta.llama3-70b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0'],
    );
    assert.deepEqual(filterModels({ byInferenceType: 'PROVISIONED' }).map((m) => m.modelId).sort(), [
      'amazon.titan-text-express-v1:0:8k',
      'anthropic.claude-3-haiku-20240307-v1:0:200k',
      'anthropic.claude-3-haiku-20240307-v1:0:48k',
    ]);
    assert.deepEqual(filterModels({ byCustomizationType: 'CONTINUED_PRE_TRAINING' }).map((m) => m.modelId), ['amazon.titan-text-express-v1:0:8k']);
    assert.equal(filterModels({ byOutputModality: 'IMAGE' }).length, 0);
    assert.equal(filterModels({ byOutputModality: 'TEXT', byProvider: 'Amazon' }).length, 7);
  });
});

describe('IAM actions', () => {
  it('every action the operations need is in the Service Authorization Reference, on the resource type it names', async () => {
    const catalog = await IamDataCatalog.load(['bedrock']);
    const ops: BedrockOperation[] = ['ListFoundationModels', 'GetFoundationModel', 'InvokeModel', 'Converse'];
    for (const op of ops) {
      const [service, name] = OPERATION_ACTIONS[op].split(':') as [string, string];
      const info = catalog.action(service, name);
      assert.ok(info, `${OPERATION_ACTIONS[op]} is not in the catalog`);
      assert.equal(info.name, name, 'the catalog spells the action this way');
      const target = authorizationTarget(op, 'us-west-2', { modelId: 'amazon.nova-lite-v1:0', modelIdentifier: 'amazon.nova-lite-v1:0' });
      if (target.resource === '*') {
        assert.equal(info.resourceTypes.length, 0, `${op} acts on no resource type`);
        continue;
      }
      const fm = info.resourceTypes.find((t) => t.name === 'foundation-model');
      assert.ok(fm, `${op}: foundation-model is a resource type of ${OPERATION_ACTIONS[op]}`);
      const pattern = new RegExp(`^${fm.arn.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\$\{Partition\}/, 'aws').replace(/\$\{Region\}/, 'us-west-2').replace(/\$\{ResourceId\}/, '.+')}$`);
      assert.match(target.resource, pattern);
    }
    // Converse has no action of its own, and the walkthrough's bedrock:ListModels does not exist.
    assert.equal(catalog.action('bedrock', 'Converse'), undefined);
    assert.equal(catalog.action('bedrock', 'ListModels'), undefined);
  });
});
