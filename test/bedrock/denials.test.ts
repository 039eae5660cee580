import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BedrockClient, GetFoundationModelCommand, ListFoundationModelsCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { DecisionLog } from '../../src/server/decision-log.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { WALKTHROUGH_POLICY } from '../support/walkthrough-policy.js';

/**
 * The walkthrough's policy allows exactly what it names, and the neighbours get AWS's denial
 * text: its `bedrock:ListModels` is no action at all (the Service Authorization Reference has
 * ListFoundationModels), so listing models is denied; a session policy that leaves InvokeModel
 * out, a permissions boundary and an explicit Deny each deny with their own wording; every
 * decision is in the decision log under the request id the client saw.
 */

const NOVA = 'amazon.nova-micro-v1:0';
const novaBody = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hello' }] }], inferenceConfig: { max_new_tokens: 300 } });

interface Denied {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

async function denied(p: Promise<unknown>): Promise<Denied> {
  try {
    await p;
  } catch (e) {
    return e as Denied;
  }
  assert.fail('the call was allowed');
}

describe('Bedrock denials', () => {
  let srv: IrsaProcess;
  let account: string;
  let region: string;
  let work: string;
  let walkthrough: PodIdentity;
  const requestIds: Record<string, string> = {};

  before(async () => {
    srv = await startIrsa();
    region = srv.env['AWS_REGION'] as string;
    work = mkdtempSync(join(tmpdir(), 'irsa-bedrock-deny-'));
    walkthrough = await podIdentity(srv, { roleName: 'weasel-eks-pod-role', namespace: 'weasel', serviceAccount: 'weasel-eks-pod-sa', policy: WALKTHROUGH_POLICY });
    account = /^arn:aws:iam::(\d{12}):/.exec(walkthrough.roleArn)?.[1] as string;
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  it("the walkthrough's policy: InvokeModel and Converse work; listing or describing models is denied (bedrock:ListModels is not an action)", async () => {
    const credentials = await walkthrough.credentials();
    const config = { endpoint: srv.url, region, credentials };
    const runtime = new BedrockRuntimeClient(config);
    const bedrock = new BedrockClient(config);
    try {
      const r = await runtime.send(new InvokeModelCommand({ modelId: NOVA, contentType: 'application/json', body: novaBody }));
      assert.match(JSON.parse(Buffer.from(r.body).toString()).output.message.content[0].text, /You wrote: "Hello"/);
      const c = await runtime.send(new ConverseCommand({ modelId: 'cohere.command-r-v1:0', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
      assert.equal(c.stopReason, 'end_turn');

      const list = await denied(bedrock.send(new ListFoundationModelsCommand({})));
      const session = `arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/`;
      assert.equal(list.name, 'AccessDeniedException');
      assert.equal(list.$metadata.httpStatusCode, 403);
      assert.match(list.message, /^User: arn:aws:sts::\d{12}:assumed-role\/weasel-eks-pod-role\/test-\d+ is not authorized to perform: bedrock:ListFoundationModels because no identity-based policy allows the bedrock:ListFoundationModels action$/);
      assert.ok(list.message.startsWith(`User: ${session}`), list.message);
      requestIds['list'] = list.$metadata.requestId as string;

      const get = await denied(bedrock.send(new GetFoundationModelCommand({ modelIdentifier: NOVA })));
      assert.equal(get.name, 'AccessDeniedException');
      assert.match(get.message, new RegExp(`is not authorized to perform: bedrock:GetFoundationModel on resource: arn:aws:bedrock:${region}::foundation-model/amazon\\.nova-micro-v1:0 because no identity-based policy allows the bedrock:GetFoundationModel action$`));
    } finally {
      runtime.destroy();
      bedrock.destroy();
    }
  });

  it('boto3 in the walkthrough pod: the same allow and the same denial text', () => {
    const script = `
import json, boto3, botocore
rt = boto3.client('bedrock-runtime')
r = rt.invoke_model(modelId='${NOVA}', body=${JSON.stringify(novaBody)})
out = {'invoked': json.loads(r['body'].read())['stopReason']}
try:
    boto3.client('bedrock').list_foundation_models()
except botocore.exceptions.ClientError as e:
    out['error'] = e.response['Error']
    out['status'] = e.response['ResponseMetadata']['HTTPStatusCode']
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', script], { env: podEnv(walkthrough), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.invoked, 'end_turn');
    assert.equal(out.status, 403);
    assert.equal(out.error.Code, 'AccessDeniedException');
    assert.match(out.error.Message, /^User: arn:aws:sts::\d{12}:assumed-role\/weasel-eks-pod-role\/botocore-session-\d+ is not authorized to perform: bedrock:ListFoundationModels because no identity-based policy allows the bedrock:ListFoundationModels action$/);
  });

  it('a session policy that leaves InvokeModel out denies InvokeModel and Converse, in AWS words', async () => {
    const pod = await podIdentity(srv, { roleName: 'bedrock-all', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }] } });
    const sessionPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['bedrock:ListFoundationModels', 'bedrock:GetFoundationModel'], Resource: '*' }] });
    const form = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: pod.roleArn, RoleSessionName: 'scoped', WebIdentityToken: readFileSync(pod.tokenFile, 'utf8'), Policy: sessionPolicy });
    const sts = await fetch(`${srv.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: form.toString() });
    const xml = await sts.text();
    assert.equal(sts.status, 200, xml);
    const field = (n: string): string => new RegExp(`<${n}>([^<]+)</${n}>`).exec(xml)?.[1] as string;
    const config = { endpoint: srv.url, region, credentials: { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') } };
    const bedrock = new BedrockClient(config);
    const runtime = new BedrockRuntimeClient(config);
    try {
      assert.equal((await bedrock.send(new ListFoundationModelsCommand({ byProvider: 'Cohere' }))).modelSummaries?.length, 2);
      const arn = `arn:aws:sts::${account}:assumed-role/bedrock-all/scoped`;
      const invoke = await denied(runtime.send(new InvokeModelCommand({ modelId: NOVA, contentType: 'application/json', body: novaBody })));
      assert.equal(invoke.name, 'AccessDeniedException');
      assert.equal(invoke.$metadata.httpStatusCode, 403);
      assert.equal(invoke.message, `User: ${arn} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${region}::foundation-model/${NOVA} because no session policy allows the bedrock:InvokeModel action`);
      requestIds['session'] = invoke.$metadata.requestId as string;
      const converse = await denied(runtime.send(new ConverseCommand({ modelId: `arn:aws:bedrock:${region}::foundation-model/meta.llama3-8b-instruct-v1:0`, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })));
      assert.equal(converse.message, `User: ${arn} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${region}::foundation-model/meta.llama3-8b-instruct-v1:0 because no session policy allows the bedrock:InvokeModel action`);
    } finally {
      bedrock.destroy();
      runtime.destroy();
    }
  });

  it('an explicit Deny on one model and a permissions boundary that allows only Nova', async () => {
    writeFileSync(join(work, 'boundary.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:*::foundation-model/amazon.nova-*' }] }));
    const created = aws(['iam', 'create-policy', '--policy-name', 'nova-only', '--policy-document', 'file://boundary.json', '--query', 'Policy.Arn', '--output', 'text'], srv.env, work);
    assert.equal(created.status, 0, created.stderr);
    const pod = await podIdentity(srv, {
      roleName: 'bedrock-bounded',
      boundaryArn: created.stdout.trim(),
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' },
          { Sid: 'NoPro', Effect: 'Deny', Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:*::foundation-model/amazon.nova-pro-v1:0' },
        ],
      },
    });
    const runtime = new BedrockRuntimeClient({ endpoint: srv.url, region, credentials: await pod.credentials() });
    try {
      const ok = await runtime.send(new InvokeModelCommand({ modelId: NOVA, contentType: 'application/json', body: novaBody }));
      assert.equal(JSON.parse(Buffer.from(ok.body).toString()).stopReason, 'end_turn');
      const pro = await denied(runtime.send(new InvokeModelCommand({ modelId: 'amazon.nova-pro-v1:0', contentType: 'application/json', body: novaBody })));
      assert.match(pro.message, new RegExp(`is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${region}::foundation-model/amazon\\.nova-pro-v1:0 with an explicit deny in an identity-based policy$`));
      requestIds['deny'] = pro.$metadata.requestId as string;
      const claude = await denied(runtime.send(new ConverseCommand({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })));
      assert.match(claude.message, /on resource: arn:aws:bedrock:[a-z0-9-]+::foundation-model\/anthropic\.claude-3-haiku-20240307-v1:0 because no permissions boundary allows the bedrock:InvokeModel action$/);
    } finally {
      runtime.destroy();
    }
  });

  it('each decision is in the decision log under the request id the client saw', async () => {
    assert.equal(await srv.stop(), 0);
    const store = openSqliteStore(join(srv.dataDir, 'store.db'));
    try {
      const log = new DecisionLog(store);
      const [list] = await log.get(requestIds['list'] as string);
      assert.equal(list?.action, 'bedrock:ListFoundationModels');
      assert.equal(list?.resource, '*');
      assert.equal(list?.decision, 'implicitDeny');
      assert.match(list?.principal ?? '', /^arn:aws:sts::\d{12}:assumed-role\/weasel-eks-pod-role\//);
      const [session] = await log.get(requestIds['session'] as string);
      assert.equal(session?.action, 'bedrock:InvokeModel');
      assert.equal(session?.resource, `arn:aws:bedrock:${region}::foundation-model/${NOVA}`);
      assert.equal(session?.deniedBy, 'session');
      const [deny] = await log.get(requestIds['deny'] as string);
      assert.equal(deny?.decision, 'explicitDeny');
      assert.deepEqual(
        deny?.statements.map((s) => s.sid),
        ['NoPro'],
      );
    } finally {
      await store.close();
    }
  });
});
