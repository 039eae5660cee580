import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { repoRoot } from '../support/shared.js';
import { WALKTHROUGH_POLICY } from '../support/walkthrough-policy.js';

/**
 * The walkthrough (/work/shared/seed/irsa-walkthrough.txt) with real clients in a pod's
 * environment: the aws CLI and boto3 find the role's credentials through the web identity token
 * file alone. Its policy allows exactly the Secrets Manager actions it names; everything next to
 * them is denied with AWS's message, and an explicit Deny wins.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Secrets Manager: the walkthrough with the aws CLI and boto3 (IRSA credentials)', () => {
  let srv: IrsaProcess;
  let walk: PodIdentity;
  let account: string;

  /** The aws CLI in the pod: JSON out, or the error line it prints. */
  const cli = (pod: PodIdentity, args: string[]) => {
    const r = spawnSync('aws', ['secretsmanager', ...args], { env: podEnv(pod), encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, json: r.status === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : undefined, stderr: r.stderr.trim() };
  };
  const ok = (pod: PodIdentity, args: string[]): Json => {
    const r = cli(pod, args);
    assert.equal(r.status, 0, r.stderr);
    return r.json ?? {};
  };
  const denied = (pod: PodIdentity, args: string[], operation: string, tail: string) => {
    const r = cli(pod, args);
    assert.equal(r.status, 255, r.stderr);
    const role = pod.roleName;
    const re = new RegExp(
      `^An error occurred \\(AccessDeniedException\\) when calling the ${operation} operation: User: arn:aws:sts::${account}:assumed-role/${role}/botocore-session-\\d+ is not authorized to perform: ${tail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    );
    assert.match(r.stderr, re);
  };

  before(async () => {
    srv = await startIrsa();
    account = (JSON.parse(aws(['sts', 'get-caller-identity'], srv.env).stdout) as Json)['Account'];
    walk = await podIdentity(srv, { roleName: 'weasel-eks-pod-role', namespace: 'weasel', serviceAccount: 'weasel-eks-pod-sa', policy: WALKTHROUGH_POLICY });
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('allows each Secrets Manager action the policy names', () => {
    const created = ok(walk, ['create-secret', '--name', 'weasel/db', '--secret-string', '{"password":"s3cr3t"}', '--description', 'weasel database', '--tags', 'Key=app,Value=weasel']);
    assert.match(created['ARN'], new RegExp(`^arn:aws:secretsmanager:us-east-1:${account}:secret:weasel/db-[A-Za-z0-9]{6}$`));
    assert.match(created['VersionId'], /^[0-9a-f-]{36}$/, 'the CLI sends a UUID ClientRequestToken, which becomes the VersionId');
    const got = ok(walk, ['get-secret-value', '--secret-id', 'weasel/db']);
    assert.equal(got['SecretString'], '{"password":"s3cr3t"}');
    assert.deepEqual(got['VersionStages'], ['AWSCURRENT']);
    assert.equal(typeof got['CreatedDate'], 'number', 'timestamps are epoch seconds');
    const put = ok(walk, ['put-secret-value', '--secret-id', created['ARN'], '--secret-string', 'rotated']);
    assert.deepEqual(put['VersionStages'], ['AWSCURRENT']);
    const desc = ok(walk, ['describe-secret', '--secret-id', 'weasel/db']);
    assert.deepEqual(desc['VersionIdsToStages'], { [created['VersionId']]: ['AWSPREVIOUS'], [put['VersionId']]: ['AWSCURRENT'] });
    assert.deepEqual(desc['Tags'], [{ Key: 'app', Value: 'weasel' }]);
    assert.equal(desc['Description'], 'weasel database');
    assert.equal(desc['RotationEnabled'], undefined, 'never configured for rotation: left out, as AWS does');
    ok(walk, ['tag-resource', '--secret-id', 'weasel/db', '--tags', 'Key=tier,Value=db']);
    const list = ok(walk, ['list-secrets']);
    assert.deepEqual(list['SecretList'].map((s: Json) => s['Name']), ['weasel/db']);
    assert.deepEqual(list['SecretList'][0]['Tags'], [{ Key: 'app', Value: 'weasel' }, { Key: 'tier', Value: 'db' }]);
    assert.equal(ok(walk, ['get-secret-value', '--secret-id', 'weasel/db'])['SecretString'], 'rotated');
    const del = ok(walk, ['delete-secret', '--secret-id', 'weasel/db', '--recovery-window-in-days', '7']);
    assert.ok(del['DeletionDate'] * 1000 - Date.now() > 6.9 * 86_400_000);
    const gone = cli(walk, ['get-secret-value', '--secret-id', 'weasel/db']);
    assert.equal(gone.stderr, "An error occurred (InvalidRequestException) when calling the GetSecretValue operation: You can't perform this operation on the secret because it was marked for deletion.");
    const missing = cli(walk, ['describe-secret', '--secret-id', 'weasel/nothing-here']);
    assert.equal(missing.stderr, "An error occurred (ResourceNotFoundException) when calling the DescribeSecret operation: Secrets Manager can't find the specified secret.");
  });

  it('denies the neighbours with the AccessDeniedException AWS sends, naming the SecretId as given', () => {
    const cant = (op: string, action: string, id: string, args: string[]) =>
      denied(walk, args, op, `secretsmanager:${action} on resource: ${id} because no identity-based policy allows the secretsmanager:${action} action`);
    cant('RestoreSecret', 'RestoreSecret', 'weasel/db', ['restore-secret', '--secret-id', 'weasel/db']);
    cant('UpdateSecret', 'UpdateSecret', 'weasel/db', ['update-secret', '--secret-id', 'weasel/db', '--description', 'changed']);
    cant('ListSecretVersionIds', 'ListSecretVersionIds', 'weasel/db', ['list-secret-version-ids', '--secret-id', 'weasel/db']);
    cant('UntagResource', 'UntagResource', 'weasel/db', ['untag-resource', '--secret-id', 'weasel/db', '--tag-keys', 'app']);
    cant('GetResourcePolicy', 'GetResourcePolicy', 'weasel/missing', ['get-resource-policy', '--secret-id', 'weasel/missing']);
    // The admin can (the account's AdministratorAccess).
    const restored = aws(['secretsmanager', 'restore-secret', '--secret-id', 'weasel/db'], srv.env);
    assert.equal(restored.status, 0, restored.stderr);
  });

  it('an explicit Deny on DeleteSecret wins over the walkthrough’s Allow; ListSecrets is denied without a resource', async () => {
    const withDeny = { ...WALKTHROUGH_POLICY, Statement: [...WALKTHROUGH_POLICY.Statement, { Effect: 'Deny', Action: 'secretsmanager:DeleteSecret', Resource: '*' }] };
    const guarded = await podIdentity(srv, { roleName: 'weasel-guarded-role', namespace: 'weasel', serviceAccount: 'weasel-guarded-sa', policy: withDeny });
    assert.equal(ok(guarded, ['get-secret-value', '--secret-id', 'weasel/db'])['SecretString'], 'rotated');
    denied(guarded, ['delete-secret', '--secret-id', 'weasel/db', '--force-delete-without-recovery'], 'DeleteSecret', 'secretsmanager:DeleteSecret on resource: weasel/db with an explicit deny in an identity-based policy');
    const none = await podIdentity(srv, { roleName: 'weasel-no-sm-role', namespace: 'weasel', serviceAccount: 'weasel-no-sm-sa', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] } });
    denied(none, ['list-secrets'], 'ListSecrets', 'secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action');
  });

  it('the CLI pages through ListSecrets with NextToken, deletes and restores', async () => {
    const full = await podIdentity(srv, { roleName: 'sm-cli-full', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] } });
    for (let i = 0; i < 5; i++) ok(full, ['create-secret', '--name', `cli-page/${i}`, '--secret-string', `v${i}`]);
    const all = ok(full, ['list-secrets', '--page-size', '2', '--filters', 'Key=name,Values=cli-page/']);
    assert.deepEqual(all['SecretList'].map((s: Json) => s['Name']), ['cli-page/0', 'cli-page/1', 'cli-page/2', 'cli-page/3', 'cli-page/4']);
    const first = ok(full, ['list-secrets', '--max-items', '2', '--filters', 'Key=name,Values=cli-page/']);
    assert.equal(first['SecretList'].length, 2);
    assert.ok(first['NextToken']);
    ok(full, ['delete-secret', '--secret-id', 'cli-page/0']);
    assert.equal(cli(full, ['get-secret-value', '--secret-id', 'cli-page/0']).status, 255);
    ok(full, ['restore-secret', '--secret-id', 'cli-page/0']);
    assert.equal(ok(full, ['get-secret-value', '--secret-id', 'cli-page/0'])['SecretString'], 'v0');
  });

  it('boto3: create, get, put (binary), list, describe, delete, restore; validation errors; a tampered signature', async () => {
    const full = await podIdentity(srv, { roleName: 'sm-boto3-full', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] } });
    const script = String.raw`
import json, os, boto3, botocore
sm = boto3.client("secretsmanager")
out = {}
def err(fn):
    try:
        fn()
        return None
    except botocore.exceptions.ClientError as e:
        return [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
c = sm.create_secret(Name="py/app", SecretString="py-one")
out["arn"] = c["ARN"]
out["get1"] = sm.get_secret_value(SecretId="py/app")["SecretString"]
blob = bytes(range(256)) * 3
p = sm.put_secret_value(SecretId="py/app", SecretBinary=blob)
g = sm.get_secret_value(SecretId="py/app")
out["binary_roundtrip"] = g["SecretBinary"] == blob and "SecretString" not in g
out["previous"] = sm.get_secret_value(SecretId="py/app", VersionStage="AWSPREVIOUS")["SecretString"]
out["listed"] = [s["Name"] for page in sm.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": ["py/"]}]) for s in page["SecretList"]]
d = sm.describe_secret(SecretId="py/app")
out["stages"] = sorted(sum(d["VersionIdsToStages"].values(), []))
out["created_is_datetime"] = type(d["CreatedDate"]).__name__
sm.delete_secret(SecretId="py/app", RecoveryWindowInDays=7)
out["while_deleted"] = err(lambda: sm.get_secret_value(SecretId="py/app"))
sm.restore_secret(SecretId="py/app")
out["restored"] = sm.get_secret_value(SecretId="py/app", VersionId=p["VersionId"])["SecretBinary"] == blob
out["long_name"] = err(lambda: sm.create_secret(Name="n" * 513, SecretString="x"))
out["too_big"] = err(lambda: sm.put_secret_value(SecretId="py/app", SecretString="x" * 65537))
out["max_ok"] = sm.put_secret_value(SecretId="py/app", SecretString="y" * 65536)["VersionStages"]
out["window"] = err(lambda: sm.delete_secret(SecretId="py/app", RecoveryWindowInDays=31))
def tamper(request, **kwargs):
    h = request.headers["Authorization"]
    h = h.decode() if isinstance(h, bytes) else h
    sig = h[-64:]
    request.headers["Authorization"] = h[:-64] + ("0" if sig[0] != "0" else "1") + sig[1:]
sm.meta.events.register("before-send.secrets-manager.GetSecretValue", tamper)
out["tampered"] = err(lambda: sm.get_secret_value(SecretId="py/app"))
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', script], { env: podEnv(full), encoding: 'utf8', cwd: repoRoot, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Json;
    assert.match(out['arn'], /:secret:py\/app-[A-Za-z0-9]{6}$/);
    assert.equal(out['get1'], 'py-one');
    assert.equal(out['binary_roundtrip'], true);
    assert.equal(out['previous'], 'py-one');
    assert.deepEqual(out['listed'], ['py/app']);
    assert.deepEqual(out['stages'], ['AWSCURRENT', 'AWSPREVIOUS']);
    assert.equal(out['created_is_datetime'], 'datetime');
    assert.deepEqual(out['while_deleted'], ['InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.", 400]);
    assert.equal(out['restored'], true);
    assert.deepEqual(out['long_name'], ['ValidationException', `1 validation error detected: Value '${'n'.repeat(513)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512`, 400]);
    assert.deepEqual(out['too_big'], ['ValidationException', "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536", 400]);
    assert.deepEqual(out['max_ok'], ['AWSCURRENT']);
    assert.deepEqual(out['window'], ['InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).', 400]);
    assert.equal(out['tampered'][0], 'InvalidSignatureException');
    assert.equal(out['tampered'][2], 400);
    assert.match(out['tampered'][1], /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'POST\n\/\n/);
    assert.ok(!srv.output().includes('py-one') && !srv.output().includes('s3cr3t'), 'no value in the server output');
  });
});
