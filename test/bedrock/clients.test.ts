import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BedrockClient, GetFoundationModelCommand, ListFoundationModelsCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';

/**
 * Bedrock and Bedrock Runtime with the real clients — boto3, the AWS SDK for JavaScript v3 (whose
 * Bedrock Runtime client speaks HTTP/2) and the aws CLI — each with a pod's IRSA credentials,
 * answered by the built-in local model: the catalog, InvokeModel in every family's own body
 * format, Converse, and the headers and errors the clients read.
 */
const BODIES: Record<string, { body: unknown; asked: string }> = {
  'anthropic.claude-3-haiku-20240307-v1:0': {
    body: { anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, system: 'You are a helpful assistant.', messages: [{ role: 'user', content: [{ type: 'text', text: 'What does IRSA stand for?' }] }] },
    asked: 'What does IRSA stand for?',
  },
  'amazon.titan-text-express-v1': { body: { inputText: 'Summarize IRSA in one line.', textGenerationConfig: { maxTokenCount: 100, temperature: 0.5, topP: 0.9, stopSequences: [] } }, asked: 'Summarize IRSA in one line.' },
  'amazon.nova-micro-v1:0': { body: { schemaVersion: 'messages-v1', messages: [{ role: 'user', content: [{ text: 'Explain web identity federation.' }] }], inferenceConfig: { max_new_tokens: 100 } }, asked: 'Explain web identity federation.' },
  'meta.llama3-8b-instruct-v1:0': {
    body: { prompt: '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is a service account?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n', max_gen_len: 100, temperature: 0.5 },
    asked: 'What is a service account?',
  },
  'mistral.mistral-7b-instruct-v0:2': { body: { prompt: '<s>[INST] Name one AWS region. [/INST]', max_tokens: 100, temperature: 0.2 }, asked: 'Name one AWS region.' },
  'cohere.command-r-v1:0': { body: { message: 'What is OIDC?', chat_history: [{ role: 'USER', message: 'Hi' }, { role: 'CHATBOT', message: 'Hello!' }], max_tokens: 100 }, asked: 'What is OIDC?' },
};

/** The generated text and the usage each family's response body reports. */
function read(modelId: string, body: Record<string, any>): { text: string; input: number; output: number } { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (modelId.startsWith('anthropic.')) {
    assert.equal(body['type'], 'message');
    assert.match(body['id'], /^msg_bdrk_[A-Za-z0-9]{24}$/);
    assert.equal(body['stop_reason'], 'end_turn');
    return { text: body['content'][0]['text'], input: body['usage']['input_tokens'], output: body['usage']['output_tokens'] };
  }
  if (modelId.startsWith('amazon.titan')) {
    assert.equal(body['results'][0]['completionReason'], 'FINISH');
    return { text: body['results'][0]['outputText'], input: body['inputTextTokenCount'], output: body['results'][0]['tokenCount'] };
  }
  if (modelId.startsWith('amazon.nova')) {
    assert.equal(body['stopReason'], 'end_turn');
    assert.equal(body['usage']['totalTokens'], body['usage']['inputTokens'] + body['usage']['outputTokens']);
    return { text: body['output']['message']['content'][0]['text'], input: body['usage']['inputTokens'], output: body['usage']['outputTokens'] };
  }
  if (modelId.startsWith('meta.')) {
    assert.equal(body['stop_reason'], 'stop');
    return { text: body['generation'], input: body['prompt_token_count'], output: body['generation_token_count'] };
  }
  if (modelId.startsWith('mistral.')) {
    assert.equal(body['outputs'][0]['stop_reason'], 'stop');
    return { text: body['outputs'][0]['text'], input: Number.NaN, output: Number.NaN };
  }
  assert.equal(body['finish_reason'], 'COMPLETE');
  assert.equal(body['chat_history'].length, 4);
  return { text: body['text'], input: body['meta']['billed_units']['input_tokens'], output: body['meta']['billed_units']['output_tokens'] };
}

const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['bedrock:ListFoundationModels', 'bedrock:GetFoundationModel'], Resource: '*' },
    { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:*::foundation-model/*' },
  ],
};

describe('Bedrock with real clients and IRSA credentials', () => {
  let srv: IrsaProcess;
  let pod: PodIdentity;
  let work: string;
  let region: string;

  before(async () => {
    srv = await startIrsa();
    region = srv.env['AWS_REGION'] as string;
    work = mkdtempSync(join(tmpdir(), 'irsa-bedrock-'));
    pod = await podIdentity(srv, { roleName: 'bedrock-app', namespace: 'ml', serviceAccount: 'chat', policy: POLICY });
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  it('boto3: ListFoundationModels with filters, GetFoundationModel, InvokeModel in each format (token headers), Converse', () => {
    const script = `
import json, sys, boto3
bodies = json.loads(sys.argv[1])
b = boto3.client('bedrock')
rt = boto3.client('bedrock-runtime')
out = {'list': [m['modelId'] for m in b.list_foundation_models(byProvider='amazon', byInferenceType='ON_DEMAND')['modelSummaries']]}
out['get'] = b.get_foundation_model(modelIdentifier='cohere.command-r-plus-v1:0')['modelDetails']
out['invoke'] = {}
for model_id, body in bodies.items():
    r = rt.invoke_model(modelId=model_id, body=json.dumps(body))
    h = r['ResponseMetadata']['HTTPHeaders']
    out['invoke'][model_id] = {'contentType': r['contentType'], 'body': json.loads(r['body'].read()),
        'in': h.get('x-amzn-bedrock-input-token-count'), 'out': h.get('x-amzn-bedrock-output-token-count'), 'latency': h.get('x-amzn-bedrock-invocation-latency')}
c = rt.converse(modelId='amazon.nova-micro-v1:0', system=[{'text': 'Be brief.'}],
    messages=[{'role': 'user', 'content': [{'text': 'Hello from boto3'}]}], inferenceConfig={'maxTokens': 300, 'stopSequences': ['fingerprint']})
out['converse'] = {k: c[k] for k in ('output', 'stopReason', 'usage', 'metrics')}
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', script, JSON.stringify(Object.fromEntries(Object.entries(BODIES).map(([k, v]) => [k, v.body])))], { env: podEnv(pod), encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.list, ['amazon.titan-text-express-v1', 'amazon.titan-text-lite-v1', 'amazon.titan-text-premier-v1:0', 'amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0']);
    assert.deepEqual(out.get, {
      modelArn: `arn:aws:bedrock:${region}::foundation-model/cohere.command-r-plus-v1:0`,
      modelId: 'cohere.command-r-plus-v1:0',
      modelName: 'Command R+',
      providerName: 'Cohere',
      inputModalities: ['TEXT'],
      outputModalities: ['TEXT'],
      responseStreamingSupported: true,
      customizationsSupported: [],
      inferenceTypesSupported: ['ON_DEMAND'],
      modelLifecycle: { status: 'ACTIVE' },
    });
    for (const [modelId, { asked }] of Object.entries(BODIES)) {
      const got = out.invoke[modelId];
      assert.equal(got.contentType, 'application/json');
      const { text, input, output } = read(modelId, got.body);
      assert.match(text, /^\[irsa-local [^\]]+\] You wrote: "/);
      assert.ok(text.includes(`You wrote: "${asked}"`), `${modelId}: ${text}`);
      assert.match(got.latency, /^\d+$/);
      if (!Number.isNaN(input)) assert.equal(Number(got.in), input, `${modelId}: the input-token header agrees with the body`);
      if (!Number.isNaN(output)) assert.equal(Number(got.out), output, `${modelId}: the output-token header agrees with the body`);
      assert.ok(Number(got.out) > 10);
    }
    assert.equal(out.converse.stopReason, 'stop_sequence');
    const reply = out.converse.output.message.content[0].text as string;
    assert.match(reply, /^\[irsa-local Nova Micro\] You wrote: "Hello from boto3"\. .* \($/);
    assert.equal(out.converse.usage.totalTokens, out.converse.usage.inputTokens + out.converse.usage.outputTokens);
    assert.equal(typeof out.converse.metrics.latencyMs, 'number');
  });

  it('JS SDK v3: the catalog, InvokeModel for each family over HTTP/2, Converse, and the same answer to the same request', async () => {
    const credentials = await pod.credentials();
    const config = { endpoint: srv.url, region, credentials };
    const bedrock = new BedrockClient(config);
    const runtime = new BedrockRuntimeClient(config);
    try {
      const list = await bedrock.send(new ListFoundationModelsCommand({ byProvider: 'Mistral AI' }));
      assert.deepEqual(list.modelSummaries?.map((m) => m.modelId), ['mistral.mistral-7b-instruct-v0:2', 'mistral.mixtral-8x7b-instruct-v0:1', 'mistral.mistral-large-2402-v1:0']);
      const one = await bedrock.send(new GetFoundationModelCommand({ modelIdentifier: `arn:aws:bedrock:${region}::foundation-model/amazon.nova-lite-v1:0` }));
      assert.equal(one.modelDetails?.modelName, 'Nova Lite');
      assert.deepEqual(one.modelDetails?.inputModalities, ['TEXT', 'IMAGE']);

      for (const [modelId, { body, asked }] of Object.entries(BODIES)) {
        const r = await runtime.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }));
        assert.equal(r.contentType, 'application/json');
        const { text } = read(modelId, JSON.parse(Buffer.from(r.body).toString()));
        assert.ok(text.includes(`You wrote: "${asked}"`), text);
      }
      const converse = (modelId: string) =>
        runtime.send(
          new ConverseCommand({
            modelId,
            messages: [
              { role: 'user', content: [{ text: 'First question' }] },
              { role: 'assistant', content: [{ text: 'First answer' }] },
              { role: 'user', content: [{ text: 'Second question, please answer briefly' }] },
            ],
            inferenceConfig: { maxTokens: 20 },
          }),
        );
      const a = await converse('mistral.mistral-large-2402-v1:0');
      const b = await converse('mistral.mistral-large-2402-v1:0');
      assert.equal(a.stopReason, 'max_tokens');
      assert.equal(a.usage?.outputTokens, 20);
      assert.equal(a.output?.message?.role, 'assistant');
      assert.equal(a.output?.message?.content?.[0]?.text, '[irsa-local Mistral Large (24.02)] You wrote: "Second question, please');
      assert.deepEqual(b.output, a.output);
      assert.deepEqual(b.usage, a.usage);
    } finally {
      bedrock.destroy();
      runtime.destroy();
    }
  });

  it('JS SDK v3: errors the clients map to their exception classes', async () => {
    const credentials = await pod.credentials();
    const runtime = new BedrockRuntimeClient({ endpoint: srv.url, region, credentials });
    const bedrock = new BedrockClient({ endpoint: srv.url, region, credentials: { ...credentials, secretAccessKey: `${credentials.secretAccessKey.slice(0, -1)}x` } });
    try {
      const claude = 'anthropic.claude-3-haiku-20240307-v1:0';
      await assert.rejects(runtime.send(new InvokeModelCommand({ modelId: 'anthropic.claude-v9', contentType: 'application/json', body: '{}' })), {
        name: 'ValidationException',
        message: 'The provided model identifier is invalid.',
      });
      await assert.rejects(runtime.send(new InvokeModelCommand({ modelId: claude, contentType: 'application/json', body: JSON.stringify({ prompt: 'Human: hi', max_tokens_to_sample: 10 }) })), {
        name: 'ValidationException',
        message:
          'Malformed input request: #: required key [anthropic_version] not found#: required key [max_tokens] not found#: required key [messages] not found#: extraneous key [prompt] is not permitted#: extraneous key [max_tokens_to_sample] is not permitted, please reformat your input and try again.',
      });
      await assert.rejects(runtime.send(new ConverseCommand({ modelId: claude, messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'user', content: [{ text: 'b' }] }] })), {
        name: 'ValidationException',
        message: 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      });
      await assert.rejects(runtime.send(new ConverseCommand({ modelId: claude, messages: [{ role: 'user', content: [{ text: 'a' }] }], inferenceConfig: { maxTokens: 0 } })), {
        name: 'ValidationException',
        message: "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
      });
      await assert.rejects(bedrock.send(new ListFoundationModelsCommand({})), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InvalidSignatureException');
        assert.equal(e.$metadata?.httpStatusCode, 403);
        assert.match(e.message, /^The request signature we calculated does not match the signature you provided/);
        return true;
      });
    } finally {
      runtime.destroy();
      bedrock.destroy();
    }
  });

  it('aws CLI: bedrock list-foundation-models / get-foundation-model, bedrock-runtime invoke-model and converse', () => {
    const env = podEnv(pod);
    const list = aws(['bedrock', 'list-foundation-models', '--by-provider', 'meta', '--query', 'modelSummaries[].modelId', '--output', 'json'], env, work);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), ['meta.llama3-8b-instruct-v1:0', 'meta.llama3-70b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0']);
    const get = aws(['bedrock', 'get-foundation-model', '--model-identifier', 'amazon.titan-text-lite-v1', '--query', 'modelDetails.modelArn', '--output', 'text'], env, work);
    assert.equal(get.status, 0, get.stderr);
    assert.equal(get.stdout.trim(), `arn:aws:bedrock:${region}::foundation-model/amazon.titan-text-lite-v1`);

    writeFileSync(join(work, 'body.json'), JSON.stringify(BODIES['amazon.titan-text-express-v1']!.body));
    const invoke = aws(['bedrock-runtime', 'invoke-model', '--model-id', 'amazon.titan-text-express-v1', '--content-type', 'application/json', '--body', 'fileb://body.json', 'answer.json'], env, work);
    assert.equal(invoke.status, 0, invoke.stderr);
    assert.equal(JSON.parse(invoke.stdout).contentType, 'application/json');
    const answer = JSON.parse(readFileSync(join(work, 'answer.json'), 'utf8'));
    assert.match(answer.results[0].outputText, /You wrote: "Summarize IRSA in one line\."/);

    const converse = aws(
      ['bedrock-runtime', 'converse', '--model-id', 'anthropic.claude-3-5-sonnet-20240620-v1:0', '--messages', JSON.stringify([{ role: 'user', content: [{ text: 'Hi from the CLI' }] }]), '--system', JSON.stringify([{ text: 'Be terse.' }])],
      env,
      work,
    );
    assert.equal(converse.status, 0, converse.stderr);
    const c = JSON.parse(converse.stdout);
    assert.equal(c.stopReason, 'end_turn');
    assert.match(c.output.message.content[0].text, /^\[irsa-local Claude 3\.5 Sonnet\] You wrote: "Hi from the CLI"/);

    const bad = aws(['bedrock-runtime', 'invoke-model', '--model-id', 'anthropic.claude-3-haiku-20240307-v1:0:48k', '--body', 'fileb://body.json', 'x.json'], env, work);
    assert.equal(bad.status, 255);
    assert.match(bad.stderr, /An error occurred \(ValidationException\) when calling the InvokeModel operation: Invocation of model ID anthropic\.claude-3-haiku-20240307-v1:0:48k with on-demand throughput isn't supported/);
  });

  it('raw HTTP: unsigned calls, streaming operations and oversized bodies get REST-JSON errors', async () => {
    const unsigned = await fetch(`${srv.url}/foundation-models`, { headers: { 'x-amz-date': '20260101T000000Z' } });
    // Unsigned and unmarked, a GET of /foundation-models is routed by path to Bedrock.
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(await unsigned.json(), { message: 'Missing Authentication Token' });

    const credentials = await pod.credentials();
    const signer = new SignatureV4({ credentials, region, service: 'bedrock', sha256: Sha256 });
    const url = new URL(srv.url);
    const signed = await signer.sign(
      new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/model/amazon.nova-micro-v1%3A0/converse-stream', headers: { host: url.host, 'content-type': 'application/json' }, body: '{}' }),
    );
    const stream = await fetch(`${srv.url}/model/amazon.nova-micro-v1%3A0/converse-stream`, { method: 'POST', headers: signed.headers, body: '{}' });
    assert.equal(stream.status, 501);
    assert.equal(stream.headers.get('x-amzn-errortype'), 'NotImplemented');
    assert.deepEqual(await stream.json(), { message: 'irsa-local does not serve POST /model/{modelId}/converse-stream' });

    const big = await fetch(`${srv.url}/model/amazon.nova-micro-v1:0/invoke`, { method: 'POST', body: Buffer.alloc(25_000_001, 'a') });
    assert.equal(big.status, 400);
    assert.equal(big.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(await big.json(), { message: "1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to 25000000" });
  });
});
