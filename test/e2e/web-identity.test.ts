import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signingKey, signToken, startIdp, b64, type SigningKey, type TestIdp } from '../oidc/idp.js';
import { aws, awsEnv, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { repoRoot } from '../support/shared.js';
import { createTestCa, issueCert, type TestCa } from '../support/tls.js';

/**
 * AssumeRoleWithWebIdentity end to end: a test OIDC issuer served over HTTPS on loopback with its
 * own CA, registered in IAM by thumbprint; tokens it signs are exchanged by real clients (the aws
 * CLI, boto3, the AWS SDK for JavaScript v3) through their default credential chains. Every STS
 * error AWS documents, and the usual attacks on JWTs, are rejected with AWS's codes.
 */
const SA = 'system:serviceaccount:weasel:weasel-eks-pod-sa';

describe('AssumeRoleWithWebIdentity with real clients', () => {
  let srv: IrsaProcess;
  let idp: TestIdp;
  let ca: TestCa;
  let key: SigningKey;
  let work: string;
  let account: string;
  let roleArn: string;
  let host: string;

  const claims = (over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: idp.issuer, sub: SA, aud: ['sts.amazonaws.com'], iat: now, nbf: now, exp: now + 3600, 'kubernetes.io': { namespace: 'weasel', serviceaccount: { name: 'weasel-eks-pod-sa', uid: 'u1' } }, ...over };
  };

  /** An unsigned AssumeRoleWithWebIdentity as the SDKs send it; returns status and body. */
  const exchange = async (token: string, extra: Record<string, string> = {}) => {
    const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'test-session', WebIdentityToken: token, ...extra });
    const r = await fetch(`${srv.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: body.toString() });
    return { status: r.status, text: await r.text() };
  };
  const code = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const message = (text: string) => /<Message>([^<]*)<\/Message>/.exec(text)?.[1];

  before(async () => {
    srv = await startIrsa();
    work = mkdtempSync(join(tmpdir(), 'irsa-wi-'));
    ca = createTestCa();
    idp = await startIdp(issueCert(ca, ['127.0.0.1']), { path: '/id/TESTCLUSTER' });
    key = signingKey('RS256', 'key-1');
    idp.keys.push(key.publicJwk);
    host = idp.issuer.slice('https://'.length);
    const admin = (args: string[]) => {
      const r = aws(args, srv.env, work);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout ? (JSON.parse(r.stdout) as Record<string, any>) : {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    account = admin(['sts', 'get-caller-identity'])['Account'];
    // IAM trusts the issuer's HTTPS by the thumbprint of its CA, as for a self-hosted cluster.
    admin(['iam', 'create-open-id-connect-provider', '--url', idp.issuer, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', ca.thumbprint]);
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${host}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: SA } },
        },
      ],
    };
    writeFileSync(join(work, 'trust.json'), JSON.stringify(trust));
    roleArn = admin(['iam', 'create-role', '--role-name', 'weasel-eks-pod-role', '--assume-role-policy-document', 'file://trust.json'])['Role']['Arn'];
  });
  after(async () => {
    await srv?.stop();
    await idp?.close();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  const tokenFile = async (over: Record<string, unknown> = {}) => {
    const f = join(work, `token-${Math.random().toString(36).slice(2)}`);
    writeFileSync(f, await signToken(key, claims(over)));
    return f;
  };
  const podEnv = (file: string) => ({ AWS_ENDPOINT_URL: srv.url, AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1', AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: file });

  it('returns AWS-shaped credentials and identities', async () => {
    const r = await exchange(await signToken(key, claims()));
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /^<AssumeRoleWithWebIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
    assert.match(r.text, new RegExp(`<SubjectFromWebIdentityToken>${SA}</SubjectFromWebIdentityToken>`));
    assert.match(r.text, /<Audience>sts\.amazonaws\.com<\/Audience>/);
    assert.match(r.text, new RegExp(`<Provider>arn:aws:iam::${account}:oidc-provider/${host.replace(/[.]/g, '\\.')}</Provider>`));
    assert.match(r.text, new RegExp(`<Arn>arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/test-session</Arn>`));
    assert.match(r.text, /<AssumedRoleId>AROA[A-Z2-7]{17}:test-session<\/AssumedRoleId>/);
    assert.match(r.text, /<AccessKeyId>ASIA[A-Z2-7]{16}<\/AccessKeyId>/);
    assert.doesNotMatch(r.text, /PackedPolicySize/);
  });

  it('the aws CLI gets credentials from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE', async () => {
    const r = aws(['sts', 'get-caller-identity'], podEnv(await tokenFile()));
    assert.equal(r.status, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).Arn, new RegExp(`^arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/botocore-session-\\d+$`));
  });

  it('boto3 does, through its default chain', async () => {
    const r = spawnSync('python3', ['-c', 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])'], { env: awsEnv(podEnv(await tokenFile())), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), new RegExp(`^arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/botocore-session-\\d+$`));
  });

  it('the AWS SDK for JavaScript v3 does, through its default chain', async () => {
    const script = "import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts'; const r = await new STSClient({}).send(new GetCallerIdentityCommand({})); console.log(r.Arn);";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: awsEnv(podEnv(await tokenFile())), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), new RegExp(`^arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/aws-sdk-js-session-\\d+$`));
  });

  // ---- STS errors, with AWS's codes and messages

  it('rejects an issuer IAM does not know', async () => {
    const other = signingKey('RS256', 'k9');
    const r = await exchange(await signToken(other, claims({ iss: 'https://unknown.example/id/X' })));
    assert.equal(r.status, 400);
    assert.equal(code(r.text), 'InvalidIdentityToken');
    assert.equal(message(r.text), 'No OpenIDConnect provider found in your account for https://unknown.example/id/X');
  });

  it('rejects a wrong audience and a missing one', async () => {
    let r = await exchange(await signToken(key, claims({ aud: ['other'] })));
    assert.equal(code(r.text), 'InvalidIdentityToken');
    assert.equal(message(r.text), 'Incorrect token audience');
    const c = claims();
    delete (c as Record<string, unknown>)['aud'];
    r = await exchange(await signToken(key, c));
    assert.equal(message(r.text), 'Missing a required claim: aud');
  });

  it('rejects an expired token with ExpiredTokenException', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await exchange(await signToken(key, claims({ iat: now - 7200, nbf: now - 7200, exp: now - 600 })));
    assert.equal(r.status, 400);
    assert.equal(code(r.text), 'ExpiredTokenException');
    assert.match(message(r.text) ?? '', /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);
  });

  it('accepts a token within the five-minute clock-skew window', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await exchange(await signToken(key, claims({ iat: now - 3600, nbf: now - 3600, exp: now - 120 })));
    assert.equal(r.status, 200, r.text);
  });

  it('rejects nbf in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await exchange(await signToken(key, claims({ nbf: now + 3600, iat: now })));
    assert.equal(code(r.text), 'InvalidIdentityToken');
  });

  it('rejects alg none, HS256 keyed with the RSA public key, an unknown kid and a tampered payload', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    assert.equal(code((await exchange(none)).text), 'InvalidIdentityToken');

    const { createHmac } = await import('node:crypto');
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: 'key-1' });
    const payload = b64(claims());
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const mac = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    assert.equal(code((await exchange(`${header}.${payload}.${mac}`)).text), 'InvalidIdentityToken');

    const stranger = signingKey('RS256', 'not-published');
    assert.equal(code((await exchange(await signToken(stranger, claims()))).text), 'InvalidIdentityToken');

    const good = await signToken(key, claims());
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64(claims({ sub: 'system:serviceaccount:kube-system:admin' }))}.${s}`;
    assert.equal(code((await exchange(forged)).text), 'InvalidIdentityToken');
  });

  it('rejects what is not a JWT and what is too large', async () => {
    assert.equal(code((await exchange('not-a-jwt')).text), 'InvalidIdentityToken');
    const big = await exchange('x'.repeat(20001));
    assert.equal(code(big.text), 'ValidationError');
    assert.match(message(big.text) ?? '', /at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000/);
  });

  it('refuses a ServiceAccount the trust policy does not name, and a role that does not exist', async () => {
    let r = await exchange(await signToken(key, claims({ sub: 'system:serviceaccount:default:weasel-eks-pod-sa' })));
    assert.equal(r.status, 403);
    assert.equal(code(r.text), 'AccessDenied');
    assert.equal(message(r.text), 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    roleArn = roleArn.replace('weasel-eks-pod-role', 'no-such-role');
    try {
      r = await exchange(await signToken(key, claims()));
    } finally {
      roleArn = roleArn.replace('no-such-role', 'weasel-eks-pod-role');
    }
    assert.equal(code(r.text), 'AccessDenied');
  });

  it('validates RoleSessionName and DurationSeconds as AWS does', async () => {
    let r = await exchange(await signToken(key, claims()), { RoleSessionName: 'bad name!' });
    assert.equal(code(r.text), 'ValidationError');
    assert.match(message(r.text) ?? '', /Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\*/);
    r = await exchange(await signToken(key, claims()), { DurationSeconds: '7200' });
    assert.equal(code(r.text), 'ValidationError');
    assert.equal(message(r.text), 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  });

  it('reports PackedPolicySize only with session policies, and a session policy narrows the session', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] });
    const r = await exchange(await signToken(key, claims()), { Policy: policy });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<PackedPolicySize>\d+<\/PackedPolicySize>/);
  });
});

describe('temporary credentials are checked on every call', () => {
  let srv: IrsaProcess;
  before(async () => {
    srv = await startIrsa();
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
  });

  it('rejects a session token that was altered, and a key without its token', () => {
    const env = { ...srv.env, AWS_ACCESS_KEY_ID: 'ASIAAAAAAAAAAAAAAAAA', AWS_SESSION_TOKEN: 'AQoDYXdzEJr' };
    const r = aws(['sts', 'get-caller-identity'], env);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid\./);
  });

  it('rejects an unknown access key, a wrong secret, and an unsigned call', async () => {
    let r = aws(['sts', 'get-caller-identity'], { ...srv.env, AWS_ACCESS_KEY_ID: 'AKIAAAAAAAAAAAAAAAAA' });
    assert.match(r.stderr, /\(InvalidClientTokenId\)/);
    r = aws(['sts', 'get-caller-identity'], { ...srv.env, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) });
    assert.match(r.stderr, /\(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided/);
    const res = await fetch(`${srv.url}/?Action=ListRoles&Version=2010-05-08`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  });

  it('gives a caller without permissions AccessDenied with AWS wording', () => {
    const admin = (args: string[]) => {
      const r = aws(args, srv.env);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout ? JSON.parse(r.stdout) : {};
    };
    admin(['iam', 'create-user', '--user-name', 'dev']);
    const key = admin(['iam', 'create-access-key', '--user-name', 'dev']).AccessKey;
    const dev = { ...srv.env, AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
    const account = admin(['sts', 'get-caller-identity']).Account;
    // GetCallerIdentity needs no permission.
    assert.equal(aws(['sts', 'get-caller-identity'], dev).status, 0);
    const r = aws(['iam', 'list-roles'], dev);
    assert.match(
      r.stderr,
      new RegExp(`\\(AccessDenied\\) when calling the ListRoles operation: User: arn:aws:iam::${account}:user/dev is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::${account}:role/ because no identity-based policy allows the iam:ListRoles action`),
    );
  });

  it('keeps everything across a restart on the same data directory', async () => {
    await srv.stop();
    srv = await startIrsa({ dataDir: srv.dataDir });
    const r = aws(['iam', 'get-user', '--user-name', 'dev'], srv.env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).User.UserName, 'dev');
  });
});
