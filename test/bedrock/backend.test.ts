import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { irsa, spawnCollect } from '../support/run-cli.js';

/**
 * `irsa up --bedrock-backend URL`: Bedrock calls answered by an OpenAI-compatible API, played here
 * by a local HTTP server that records what it receives. The key comes from
 * IRSA_BEDROCK_BACKEND_KEY, models are mapped by --bedrock-backend-model, and a backend that is
 * slow or answers garbage gives the client Bedrock's errors. Neither the key nor the prompts
 * appear in the server's output.
 */
const KEY = 'sk-e2e-0123456789abcdef';
const PROMPT = 'confidential prompt text 7f3a';

interface Received {
  headers: IncomingMessage['headers'];
  body: { model: string; messages: { role: string; content: string }[]; max_tokens: number; stop?: string[] };
}

describe('Bedrock answered by an OpenAI-compatible backend', () => {
  let fake: Server;
  let srv: IrsaProcess;
  let pod: PodIdentity;
  let region: string;
  const received: Received[] = [];
  let mode: 'ok' | 'slow' | 'garbage' = 'ok';

  before(async () => {
    fake = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Received['body'];
      received.push({ headers: req.headers, body });
      if (mode === 'slow') return void setTimeout(() => res.end('{}'), 5000).unref();
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('not a completion');
      const answer = JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: `Backend ${body.model} says hello.` }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 21, completion_tokens: 6, total_tokens: 27 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
    srv = await startIrsa({
      args: ['--bedrock-backend', url, '--bedrock-backend-model', 'local-llm', '--bedrock-backend-model', 'anthropic.claude-3-haiku-20240307-v1:0=claude-proxy', '--bedrock-backend-timeout', '1'],
      extraEnv: { IRSA_BEDROCK_BACKEND_KEY: KEY },
    });
    region = srv.env['AWS_REGION'] as string;
    pod = await podIdentity(srv, { roleName: 'bedrock-backend', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] } });
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    fake?.closeAllConnections();
    fake?.close();
  });

  it('InvokeModel (JS SDK): the mapped model, the bearer key and the conversation reach the backend; its answer comes back in Claude format', async () => {
    received.length = 0;
    const runtime = new BedrockRuntimeClient({ endpoint: srv.url, region, credentials: await pod.credentials() });
    try {
      const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 77, system: 'Answer kindly.', messages: [{ role: 'user', content: PROMPT }], stop_sequences: ['\n\nHuman:'] };
      const r = await runtime.send(new InvokeModelCommand({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', contentType: 'application/json', body: JSON.stringify(body) }));
      const answer = JSON.parse(Buffer.from(r.body).toString());
      assert.deepEqual(answer.content, [{ type: 'text', text: 'Backend claude-proxy says hello.' }]);
      assert.equal(answer.stop_reason, 'end_turn');
      assert.deepEqual(answer.usage, { input_tokens: 21, output_tokens: 6 });
      const seen = received[0]!;
      assert.equal(seen.headers['authorization'], `Bearer ${KEY}`);
      assert.deepEqual(seen.body.messages, [{ role: 'system', content: 'Answer kindly.' }, { role: 'user', content: PROMPT }]);
      assert.equal(seen.body.model, 'claude-proxy');
      assert.equal(seen.body.max_tokens, 77);
      assert.deepEqual(seen.body.stop, ['\n\nHuman:']);
    } finally {
      runtime.destroy();
    }
  });

  it('Converse (boto3): other models use the default mapping', async () => {
    received.length = 0;
    const script = `
import json, boto3
c = boto3.client('bedrock-runtime').converse(modelId='amazon.nova-lite-v1:0', messages=[{'role': 'user', 'content': [{'text': ${JSON.stringify(PROMPT)}}]}], inferenceConfig={'maxTokens': 50})
print(json.dumps({k: c[k] for k in ('output', 'stopReason', 'usage')}))
`;
    // Not spawnSync: the fake backend answers from this process's event loop.
    const r = await spawnCollect('python3', ['-c', script], { env: podEnv(pod) });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { output: { message: { role: 'assistant', content: [{ text: 'Backend local-llm says hello.' }] } }, stopReason: 'end_turn', usage: { inputTokens: 21, outputTokens: 6, totalTokens: 27 } });
    assert.equal(received[0]?.body.model, 'local-llm');
    assert.equal(received[0]?.body.max_tokens, 50);
  });

  it('a backend slower than --bedrock-backend-timeout is ModelTimeoutException; garbage is ModelErrorException', async () => {
    const runtime = new BedrockRuntimeClient({ endpoint: srv.url, region, credentials: await pod.credentials(), maxAttempts: 1 });
    const converse = () => runtime.send(new ConverseCommand({ modelId: 'meta.llama3-8b-instruct-v1:0', messages: [{ role: 'user', content: [{ text: PROMPT }] }] }));
    try {
      mode = 'slow';
      await assert.rejects(converse(), (e: Error & { $metadata: { httpStatusCode: number } }) => {
        assert.equal(e.name, 'ModelTimeoutException');
        assert.equal(e.$metadata.httpStatusCode, 408);
        return true;
      });
      mode = 'garbage';
      await assert.rejects(converse(), (e: Error & { $metadata: { httpStatusCode: number }; originalStatusCode?: number; resourceName?: string }) => {
        assert.equal(e.name, 'ModelErrorException');
        assert.equal(e.$metadata.httpStatusCode, 424);
        assert.equal(e.message, 'The model returned a response that is not JSON.');
        assert.equal(e.originalStatusCode, 200);
        assert.equal(e.resourceName, 'local-llm');
        return true;
      });
    } finally {
      mode = 'ok';
      runtime.destroy();
    }
  });

  it("the server's output names the backend but never the key or a prompt", () => {
    const out = srv.output();
    assert.ok(out.includes('Bedrock answers from:'), out);
    assert.ok(!out.includes(KEY), 'the key is not printed');
    assert.ok(!out.includes(PROMPT), 'no prompt is printed');
  });
});

describe('irsa up --bedrock-backend flags', () => {
  it('refuses flags without a URL, a URL with credentials in it, and a bad timeout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-bedrock-flags-'));
    try {
      const cases: [string[], RegExp][] = [
        [['--bedrock-backend-key', 'k'], /--bedrock-backend-key, --bedrock-backend-model and --bedrock-backend-timeout need --bedrock-backend URL/],
        [['--bedrock-backend', 'ftp://host/v1'], /the URL must be http:\/\/ or https:\/\//],
        [['--bedrock-backend', 'http://user:secret@host/v1'], /put credentials in --bedrock-backend-key or \$IRSA_BEDROCK_BACKEND_KEY, not in the URL/],
        [['--bedrock-backend', 'http://host/v1', '--bedrock-backend-timeout', '0'], /--bedrock-backend-timeout: `0` is not a number of seconds/],
        [['--bedrock-backend', 'http://host/v1', '--bedrock-backend-model', '=x'], /--bedrock-backend-model: `=x` is not NAME or MODEL_ID=NAME/],
      ];
      for (const [args, message] of cases) {
        const r = irsa(['up', '--data-dir', dir, '--port', '0', ...args]);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
      const help = irsa(['up', '--help']);
      assert.match(help.stdout, /--bedrock-backend URL/);
    } finally {
      removeDir(dir);
    }
  });
});
