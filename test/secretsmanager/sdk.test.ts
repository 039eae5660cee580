import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  paginateListSecrets,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-secrets-manager';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { repoRoot } from '../support/shared.js';

/**
 * Secrets Manager through the AWS SDK for JavaScript v3, with a pod's IRSA credentials: values
 * and versions, resource policies and tag conditions as IAM evaluates them, pagination, the
 * errors clients see for bad input, and for requests that are not properly signed.
 */
const ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] };

interface Failure {
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  assert.fail('expected the call to fail');
}

describe('Secrets Manager with the JS SDK v3 (IRSA credentials)', () => {
  let srv: IrsaProcess;
  let account: string;
  let full: PodIdentity;
  let sm: SecretsManagerClient;
  let admin: SecretsManagerClient;
  const clients: SecretsManagerClient[] = [];

  const clientFor = async (pod: PodIdentity, extra: Record<string, unknown> = {}) => {
    const c = new SecretsManagerClient({ endpoint: srv.url, region: 'us-east-1', credentials: await pod.credentials(), ...extra });
    clients.push(c);
    return c;
  };
  const sessionArn = (pod: PodIdentity) => `arn:aws:sts::${account}:assumed-role/${pod.roleName}/test-`;

  before(async () => {
    srv = await startIrsa();
    full = await podIdentity(srv, { roleName: 'sm-js-full', policy: ALL });
    sm = await clientFor(full);
    admin = new SecretsManagerClient({ endpoint: srv.url, region: 'us-east-1', credentials: { accessKeyId: srv.env['AWS_ACCESS_KEY_ID'] as string, secretAccessKey: srv.env['AWS_SECRET_ACCESS_KEY'] as string } });
    clients.push(admin);
    const arn = (await sm.send(new CreateSecretCommand({ Name: 'js/probe', SecretString: 'probe' }))).ARN as string;
    account = arn.split(':')[4] as string;
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('creates, reads, lists, updates, describes, deletes and restores; binary values round-trip', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37) % 256);
    const created = await sm.send(new CreateSecretCommand({ Name: 'js/app', SecretBinary: bytes, Description: 'binary' }));
    assert.match(created.ARN as string, /:secret:js\/app-[A-Za-z0-9]{6}$/);
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'js/app' }));
    assert.deepEqual([...(got.SecretBinary as Uint8Array)], [...bytes]);
    assert.equal(got.SecretString, undefined);
    assert.ok(got.CreatedDate instanceof Date);
    const put = await sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'text now' }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'js/app' }))).SecretString, 'text now');
    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['js/app'] }] }));
    assert.deepEqual(listed.SecretList?.map((s) => [s.Name, s.Description]), [['js/app', 'binary']]);
    assert.deepEqual(listed.SecretList?.[0]?.SecretVersionsToStages, { [created.VersionId as string]: ['AWSPREVIOUS'], [put.VersionId as string]: ['AWSCURRENT'] });
    const del = await sm.send(new DeleteSecretCommand({ SecretId: 'js/app' }));
    assert.ok((del.DeletionDate as Date).getTime() - Date.now() > 29.9 * 86_400_000, 'the default recovery window is 30 days');
    assert.ok((await sm.send(new DescribeSecretCommand({ SecretId: 'js/app' }))).DeletedDate instanceof Date);
    assert.deepEqual(await failure(sm.send(new PutSecretValueCommand({ SecretId: 'js/app', SecretString: 'x' }))), {
      name: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
      status: 400,
    });
    await sm.send(new RestoreSecretCommand({ SecretId: 'js/app' }));
    assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'js/app' }))).DeletedDate, undefined);
  });

  it('versions: staging labels, explicit tokens, idempotent retries', async () => {
    const t1 = '11111111-2222-4333-8444-555555555555';
    const t2 = '11111111-2222-4333-8444-666666666666';
    await sm.send(new CreateSecretCommand({ Name: 'js/versions', SecretString: 'one', ClientRequestToken: t1 }));
    const again = await sm.send(new CreateSecretCommand({ Name: 'js/versions', SecretString: 'one', ClientRequestToken: t1 }));
    assert.equal(again.VersionId, t1, 'a retried CreateSecret answers as the first');
    const pending = await sm.send(new PutSecretValueCommand({ SecretId: 'js/versions', SecretString: 'two', ClientRequestToken: t2, VersionStages: ['AWSPENDING'] }));
    assert.deepEqual(pending.VersionStages, ['AWSPENDING']);
    const conflict = await failure(sm.send(new PutSecretValueCommand({ SecretId: 'js/versions', SecretString: 'other', ClientRequestToken: t2 })));
    assert.equal(conflict.name, 'ResourceExistsException');
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'js/versions' }))).SecretString, 'one');
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'js/versions', VersionStage: 'AWSPENDING' }))).SecretString, 'two');
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'js/versions', VersionStage: 'AWSCURRENT', RemoveFromVersionId: t1, MoveToVersionId: t2 }));
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'js/versions' }));
    assert.deepEqual(versions.Versions?.map((v) => [v.VersionId, v.VersionStages]), [
      [t2, ['AWSCURRENT', 'AWSPENDING']],
      [t1, ['AWSPREVIOUS']],
    ]);
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'js/versions' }))).SecretString, 'two');
  });

  it('a pod’s JS SDK finds the credentials through its default chain (web identity token file)', () => {
    const script = `
      import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
      const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'js/probe' }));
      console.log(r.SecretString);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: podEnv(full), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'probe');
  });

  it('a resource policy grants a role with no identity policy, and its explicit Deny wins over an identity Allow', async () => {
    const reader = await podIdentity(srv, { roleName: 'sm-js-reader', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] } });
    const rsm = await clientFor(reader);
    await admin.send(new CreateSecretCommand({ Name: 'rp/shared', SecretString: 'shared value' }));
    await admin.send(new CreateSecretCommand({ Name: 'rp/private', SecretString: 'private value' }));
    const before = await failure(rsm.send(new GetSecretValueCommand({ SecretId: 'rp/shared' })));
    assert.equal(before.name, 'AccessDeniedException');
    assert.equal(before.status, 400);
    assert.ok(before.message.startsWith(`User: ${sessionArn(reader)}`), before.message);
    assert.match(before.message, / is not authorized to perform: secretsmanager:GetSecretValue on resource: rp\/shared because no identity-based policy allows the secretsmanager:GetSecretValue action$/);
    const grant = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: reader.roleArn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
    await admin.send(new PutResourcePolicyCommand({ SecretId: 'rp/shared', ResourcePolicy: JSON.stringify(grant) }));
    assert.equal((await rsm.send(new GetSecretValueCommand({ SecretId: 'rp/shared' }))).SecretString, 'shared value');
    assert.equal((await failure(rsm.send(new GetSecretValueCommand({ SecretId: 'rp/private' })))).name, 'AccessDeniedException');
    assert.equal((await failure(rsm.send(new DescribeSecretCommand({ SecretId: 'rp/shared' })))).name, 'AccessDeniedException', 'the policy grants only what it names');

    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: full.roleArn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
    await admin.send(new PutResourcePolicyCommand({ SecretId: 'rp/private', ResourcePolicy: JSON.stringify(deny) }));
    const denied = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'rp/private' })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.match(denied.message, / is not authorized to perform: secretsmanager:GetSecretValue on resource: rp\/private with an explicit deny in a resource-based policy$/);
    const malformed = await failure(admin.send(new PutResourcePolicyCommand({ SecretId: 'rp/private', ResourcePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' })));
    assert.equal(malformed.name, 'MalformedPolicyDocumentException');
    const pub = await failure(admin.send(new PutResourcePolicyCommand({ SecretId: 'rp/private', BlockPublicPolicy: true, ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }) })));
    assert.equal(pub.name, 'PublicPolicyException');
  });

  it('tag conditions: secretsmanager:ResourceTag on reads, aws:RequestTag on create', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'secretsmanager:ResourceTag/team': 'blue' } } },
        { Effect: 'Allow', Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'], Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } } },
      ],
    };
    const blue = await podIdentity(srv, { roleName: 'sm-js-blue', policy });
    const bsm = await clientFor(blue);
    await admin.send(new CreateSecretCommand({ Name: 'tags/blue', SecretString: 'for blue', Tags: [{ Key: 'team', Value: 'blue' }] }));
    await admin.send(new CreateSecretCommand({ Name: 'tags/red', SecretString: 'for red', Tags: [{ Key: 'team', Value: 'red' }] }));
    assert.equal((await bsm.send(new GetSecretValueCommand({ SecretId: 'tags/blue' }))).SecretString, 'for blue');
    assert.equal((await failure(bsm.send(new GetSecretValueCommand({ SecretId: 'tags/red' })))).name, 'AccessDeniedException');
    // Retagging changes access at once.
    await admin.send(new TagResourceCommand({ SecretId: 'tags/red', Tags: [{ Key: 'team', Value: 'blue' }] }));
    assert.equal((await bsm.send(new GetSecretValueCommand({ SecretId: 'tags/red' }))).SecretString, 'for red');
    await bsm.send(new CreateSecretCommand({ Name: 'tags/mine', SecretString: 'x', Tags: [{ Key: 'team', Value: 'blue' }] }));
    const untagged = await failure(bsm.send(new CreateSecretCommand({ Name: 'tags/untagged', SecretString: 'x' })));
    assert.match(untagged.message, /not authorized to perform: secretsmanager:CreateSecret on resource: tags\/untagged because no identity-based policy allows/);
    const red = await failure(bsm.send(new CreateSecretCommand({ Name: 'tags/red2', SecretString: 'x', Tags: [{ Key: 'team', Value: 'red' }] })));
    assert.equal(red.name, 'AccessDeniedException');
  });

  it('pages ListSecrets (MaxResults) and BatchGetSecretValue reports per-secret errors', async () => {
    for (let i = 0; i < 7; i++) await sm.send(new CreateSecretCommand({ Name: `page/${i}`, SecretString: `value ${i}` }));
    const pages: string[][] = [];
    for await (const p of paginateListSecrets({ client: sm, pageSize: 3 }, { Filters: [{ Key: 'name', Values: ['page/'] }] })) pages.push((p.SecretList ?? []).map((s) => s.Name as string));
    assert.deepEqual(pages, [['page/0', 'page/1', 'page/2'], ['page/3', 'page/4', 'page/5'], ['page/6']]);
    const bad = await failure(sm.send(new ListSecretsCommand({ MaxResults: 3, NextToken: 'bm90IGEgdG9rZW4=' })));
    assert.equal(bad.name, 'InvalidNextTokenException');
    const batch = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['page/0', 'page/6', 'page/none', 'rp/private'] }));
    assert.deepEqual(batch.SecretValues?.map((v) => [v.Name, v.SecretString]), [['page/0', 'value 0'], ['page/6', 'value 6']]);
    assert.deepEqual(batch.Errors?.map((e) => [e.SecretId, e.ErrorCode]), [['page/none', 'ResourceNotFoundException'], ['rp/private', 'AccessDeniedException']]);
    const filtered = await sm.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['page/'] }], MaxResults: 5 }));
    assert.equal(filtered.SecretValues?.length, 5);
    assert.ok(filtered.NextToken);
  });

  it('bad input gets AWS’s errors: validation, sizes, parameters', async () => {
    const long = await failure(sm.send(new CreateSecretCommand({ Name: 'n'.repeat(513), SecretString: 'x' })));
    assert.deepEqual(long, { name: 'ValidationException', message: `1 validation error detected: Value '${'n'.repeat(513)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512`, status: 400 });
    const spaces = await failure(sm.send(new CreateSecretCommand({ Name: 'has space', SecretString: 'x' })));
    assert.deepEqual(spaces, { name: 'ValidationException', message: 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!', status: 400 });
    const big = await failure(sm.send(new CreateSecretCommand({ Name: 'js/big', SecretBinary: new Uint8Array(65537) })));
    assert.deepEqual(big, { name: 'ValidationException', message: "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536", status: 400 });
    await sm.send(new CreateSecretCommand({ Name: 'js/max', SecretBinary: new Uint8Array(65536).fill(7) }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'js/max' }))).SecretBinary?.length, 65536);
    const both = await failure(sm.send(new CreateSecretCommand({ Name: 'js/both', SecretString: 'a', SecretBinary: new Uint8Array(1) })));
    assert.equal(both.name, 'InvalidParameterException');
    const window = await failure(sm.send(new DeleteSecretCommand({ SecretId: 'js/max', RecoveryWindowInDays: 3 })));
    assert.deepEqual(window, { name: 'InvalidParameterException', message: 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).', status: 400 });
    const max = await failure(sm.send(new ListSecretsCommand({ MaxResults: 101 })));
    assert.deepEqual(max, { name: 'ValidationException', message: "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", status: 400 });
    const missing = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'js/none' })));
    assert.deepEqual(missing, { name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret.", status: 400 });
  });

  it('requests that are not properly signed get the JSON protocol’s authentication errors (HTTP 400)', async () => {
    const creds = await full.credentials();
    const tampered = new SecretsManagerClient({ endpoint: srv.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    clients.push(tampered);
    // After signing, flip one character of the signature, as a proxy or an attacker would.
    const tamper: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
      const h = (args.request as { headers: Record<string, string> }).headers;
      const key = Object.keys(h).find((k) => k.toLowerCase() === 'authorization') as string;
      h[key] = (h[key] as string).replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
      return next(args);
    };
    tampered.middlewareStack.addRelativeTo(tamper, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamperSignature' });
    const sig = await failure(tampered.send(new GetSecretValueCommand({ SecretId: 'js/probe' })));
    assert.equal(sig.name, 'InvalidSignatureException');
    assert.equal(sig.status, 400);
    assert.match(sig.message, /^The request signature we calculated does not match the signature you provided\./);
    const unknownKey = new SecretsManagerClient({ endpoint: srv.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1 });
    clients.push(unknownKey);
    assert.deepEqual(await failure(unknownKey.send(new ListSecretsCommand({}))), { name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 400 });
    const badToken = new SecretsManagerClient({ endpoint: srv.url, region: 'us-east-1', credentials: { ...creds, sessionToken: `${creds.sessionToken.slice(0, -4)}AAAA` }, maxAttempts: 1 });
    clients.push(badToken);
    assert.equal((await failure(badToken.send(new ListSecretsCommand({})))).name, 'UnrecognizedClientException');

    const raw = async (headers: Record<string, string>, body: string) => {
      const r = await fetch(`${srv.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body });
      return { status: r.status, type: r.headers.get('content-type'), requestId: r.headers.get('x-amzn-requestid'), body: (await r.json()) as Record<string, unknown> };
    };
    const unsigned = await raw({ 'x-amz-target': 'secretsmanager.GetSecretValue' }, '{"SecretId":"js/probe"}');
    assert.deepEqual(unsigned.body, { __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    assert.equal(unsigned.status, 400);
    assert.equal(unsigned.type, 'application/x-amz-json-1.1');
    assert.ok(unsigned.requestId);
    const unknownOp = await raw({ 'x-amz-target': 'secretsmanager.RotateEverything' }, '{}');
    assert.deepEqual(unknownOp, { ...unknownOp, status: 400, body: { __type: 'UnknownOperationException' } });
    // Bodies are bounded (1 MiB, above any valid request): the rest is not read.
    const huge = await raw({ 'x-amz-target': 'secretsmanager.CreateSecret' }, JSON.stringify({ Name: 'huge', SecretString: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.body['__type'], 'ValidationException');
  });
});
