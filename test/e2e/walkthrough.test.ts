import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsEnv, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { repoRoot } from '../support/shared.js';

/**
 * The walkthrough (../shared/seed/irsa-walkthrough.txt) end to end on a fresh data directory,
 * with its own shell commands: the real `aws` CLI and `kubectl`, and `irsa` standing in for
 * eksctl. Each step runs in bash exactly as written in the post (pipes, cut, grep).
 */
const IRSA = 'irsa';

describe('the IRSA walkthrough, end to end', () => {
  let srv: IrsaProcess;
  let work: string;
  let env: Record<string, string>;

  const sh = (script: string, input?: string) => {
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env, encoding: 'utf8', input, timeout: 180_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (script: string) => {
    const r = sh(script);
    assert.equal(r.status, 0, `${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    srv = await startIrsa();
    work = mkdtempSync(join(tmpdir(), 'irsa-walkthrough-'));
    // `irsa` on PATH, run from source, as the walkthrough's `eksctl` would be.
    mkdirSync(join(work, 'bin'));
    writeFileSync(
      join(work, 'bin', 'irsa'),
      `#!/bin/sh\nexec "${process.execPath}" --import "${pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href}" "${join(repoRoot, 'test/support/irsa-cli.mts')}" "$@"\n`,
      { mode: 0o755 },
    );
    env = awsEnv({ ...srv.env, HOME: work, PATH: `${join(work, 'bin')}:${process.env['PATH'] ?? ''}`, IRSA_DATA_DIR: srv.dataDir });
    // The walkthrough's own policy, as its heredoc writes it.
    copyFileSync(join(repoRoot, 'examples', 'walkthrough-policy.json'), join(work, 'weasel-eks-pod-policy.json'));
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    removeDir(work ?? '');
  });

  it('1. the cluster has an OIDC issuer, and associate-iam-oidc-provider registers it', () => {
    const id = ok(`cluster_name=local
oidc_id=$(aws eks describe-cluster --name $cluster_name --query "cluster.identity.oidc.issuer" --output text | cut -d '/' -f 5)
echo $oidc_id`).trim();
    assert.match(id, /^[0-9A-F]{32}$/);
    // Before: no provider, so the grep finds nothing.
    assert.equal(sh(`aws iam list-open-id-connect-providers | grep ${id} | cut -d "/" -f4`).stdout, '');
    ok(`${IRSA} utils associate-iam-oidc-provider --cluster local --approve`);
    assert.equal(ok(`aws iam list-open-id-connect-providers | grep ${id} | cut -d "/" -f4`).trim(), `${id}"`);
  });

  it('2. create-policy and create iamserviceaccount', () => {
    ok('aws iam create-policy --policy-name weasel-eks-pod-policy --policy-document file://weasel-eks-pod-policy.json');
    ok('kubectl create namespace weasel');
    ok(`${IRSA} create iamserviceaccount --name weasel-eks-pod-sa --namespace weasel --cluster local --role-name weasel-eks-pod-role \\
    --attach-policy-arn arn:aws:iam::123456789012:policy/weasel-eks-pod-policy --approve`);
  });

  it('3. the role trusts exactly that ServiceAccount, and has the policy', () => {
    const issuer = ok('aws eks describe-cluster --name local --query "cluster.identity.oidc.issuer" --output text').trim();
    const host = issuer.slice('https://'.length);
    const trust = JSON.parse(ok('aws iam get-role --role-name weasel-eks-pod-role --query Role.AssumeRolePolicyDocument'));
    assert.deepEqual(trust, {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${host}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: 'system:serviceaccount:weasel:weasel-eks-pod-sa' } },
        },
      ],
    });
    assert.equal(
      ok('aws iam list-attached-role-policies --role-name weasel-eks-pod-role --query AttachedPolicies[].PolicyArn --output text').trim(),
      'arn:aws:iam::123456789012:policy/weasel-eks-pod-policy',
    );
    ok('export policy_arn=arn:aws:iam::123456789012:policy/weasel-eks-pod-policy; aws iam get-policy --policy-arn $policy_arn; aws iam get-policy-version --policy-arn $policy_arn --version-id v1');
  });

  it('4. kubectl describe serviceaccount shows the annotation and the label', () => {
    const out = ok('kubectl describe serviceaccount weasel-eks-pod-sa -n weasel');
    assert.match(out, /^Annotations:\s+eks\.amazonaws\.com\/role-arn: arn:aws:iam::123456789012:role\/weasel-eks-pod-role$/m);
    assert.match(out, /^Labels:\s+app\.kubernetes\.io\/managed-by=eksctl$/m);
  });

  it('5. a pod with that ServiceAccount is mutated by the webhook', () => {
    writeFileSync(
      join(work, 'pod.yaml'),
      `apiVersion: v1
kind: Pod
metadata:
  name: aws-cli-pod
  namespace: weasel
spec:
  serviceAccountName: weasel-eks-pod-sa
  containers:
  - name: aws-cli
    image: amazon/aws-cli:latest
    command: ["sleep", "infinity"]
`,
    );
    assert.match(ok('kubectl apply -f pod.yaml'), /^pod\/aws-cli-pod created$/m);
    assert.match(ok('kubectl describe pod aws-cli-pod -n weasel | grep AWS_ROLE_ARN:'), /AWS_ROLE_ARN:\s+arn:aws:iam::123456789012:role\/weasel-eks-pod-role/);
    assert.match(ok('kubectl describe pod aws-cli-pod -n weasel | grep AWS_WEB_IDENTITY_TOKEN_FILE:'), /AWS_WEB_IDENTITY_TOKEN_FILE:\s+\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount\/token/);
    assert.match(ok('kubectl get pods -n weasel'), /^aws-cli-pod\s+1\/1\s+Running\s+0\s+/m);
  });

  it('6. inside the pod, the aws CLI gets the role through STS (irsa exec and kubectl exec)', () => {
    const arn = /arn:aws:sts::123456789012:assumed-role\/weasel-eks-pod-role\/botocore-session-\d+/;
    assert.match(JSON.parse(ok(`${IRSA} exec -n weasel aws-cli-pod -- aws sts get-caller-identity`)).Arn, arn);
    assert.match(JSON.parse(ok('kubectl exec aws-cli-pod -n weasel -- aws sts get-caller-identity')).Arn, arn);
    // The token file is real and is a projected ServiceAccount token for this pod.
    const token = ok(`kubectl exec aws-cli-pod -n weasel -- sh -c 'cat "$AWS_WEB_IDENTITY_TOKEN_FILE"'`).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(claims['sub'], 'system:serviceaccount:weasel:weasel-eks-pod-sa');
    assert.deepEqual(claims['aud'], ['sts.amazonaws.com']);
    assert.equal(claims['kubernetes.io'].pod.name, 'aws-cli-pod');
    assert.equal(claims['exp'] - claims['iat'], 86400);
    // Exit codes pass through kubectl.
    assert.equal(sh("kubectl exec aws-cli-pod -n weasel -- sh -c 'exit 3'").status, 3);
  });

  it('6b. inside the pod, Secrets Manager answers what the role allows (kubectl exec … aws secretsmanager)', () => {
    ok("kubectl exec aws-cli-pod -n weasel -- aws secretsmanager create-secret --name weasel/db-password --secret-string 's3cr3t-from-pod'");
    assert.match(ok('kubectl exec aws-cli-pod -n weasel -- aws secretsmanager list-secrets --query "SecretList[].Name" --output text'), /\bweasel\/db-password\b/);
    assert.equal(ok('kubectl exec aws-cli-pod -n weasel -- aws secretsmanager get-secret-value --secret-id weasel/db-password --query SecretString --output text').trim(), 's3cr3t-from-pod');
    // The policy grants no UpdateSecret: AWS's denial, naming the assumed role and the secret as given.
    const r = sh('kubectl exec aws-cli-pod -n weasel -- aws secretsmanager update-secret --secret-id weasel/db-password --description x');
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /An error occurred \(AccessDeniedException\) when calling the UpdateSecret operation: User: arn:aws:sts::123456789012:assumed-role\/weasel-eks-pod-role\/botocore-session-\d+ is not authorized to perform: secretsmanager:UpdateSecret on resource: weasel\/db-password because no identity-based policy allows the secretsmanager:UpdateSecret action/,
    );
  });

  it('6c. inside the pod, S3 answers what the role allows (kubectl exec … aws s3)', () => {
    ok('aws s3 mb s3://weasel-images'); // the admin, outside the pod
    ok("kubectl exec aws-cli-pod -n weasel -- sh -c 'echo hello from the pod | aws s3 cp - s3://weasel-images/hello.txt'");
    assert.match(ok('kubectl exec aws-cli-pod -n weasel -- aws s3 ls s3://weasel-images'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+19 hello\.txt$/m);
    assert.equal(ok('kubectl exec aws-cli-pod -n weasel -- aws s3 cp s3://weasel-images/hello.txt -'), 'hello from the pod\n');
    const r = sh('kubectl exec aws-cli-pod -n weasel -- aws s3 rb s3://weasel-images');
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /An error occurred \(AccessDenied\) when calling the DeleteBucket operation: User: arn:aws:sts::123456789012:assumed-role\/weasel-eks-pod-role\/botocore-session-\d+ is not authorized to perform: s3:DeleteBucket on resource: "arn:aws:s3:::weasel-images" because no identity-based policy allows the s3:DeleteBucket action/,
    );
  });

  it('7. a Deployment creates mutated pods that can use the role', () => {
    writeFileSync(
      join(work, 'deployment.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: weasel-api
  namespace: weasel
spec:
  replicas: 2
  selector:
    matchLabels: {app: weasel-api}
  template:
    metadata:
      labels: {app: weasel-api}
    spec:
      serviceAccountName: weasel-eks-pod-sa
      containers:
      - name: api
        image: amazon/aws-cli:latest
`,
    );
    ok('kubectl apply -f deployment.yaml');
    let pods: string[] = [];
    for (let i = 0; i < 50 && pods.length < 2; i++) {
      pods = ok("kubectl get pods -n weasel -l app=weasel-api -o jsonpath='{.items[*].metadata.name}'").split(/\s+/).filter(Boolean);
      if (pods.length < 2) spawnSync('sleep', ['0.2']);
    }
    assert.equal(pods.length, 2);
    const pod = pods[0] as string;
    assert.match(ok(`kubectl describe pod ${pod} -n weasel | grep AWS_ROLE_ARN:`), /weasel-eks-pod-role/);
    assert.match(ok(`${IRSA} exec -n weasel ${pod} -- aws sts get-caller-identity --query Arn --output text`), /assumed-role\/weasel-eks-pod-role\//);
  });

  it('8. another namespace, or another ServiceAccount, gets AccessDenied from STS', () => {
    // Same ServiceAccount name in another namespace, annotated with the same role by hand.
    ok('kubectl create namespace other');
    ok('kubectl create serviceaccount weasel-eks-pod-sa -n other');
    ok('kubectl annotate serviceaccount weasel-eks-pod-sa -n other eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/weasel-eks-pod-role');
    ok('kubectl run intruder -n other --image=amazon/aws-cli --overrides=\'{"spec":{"serviceAccountName":"weasel-eks-pod-sa"}}\' -- sleep infinity');
    let r = sh(`${IRSA} exec -n other intruder -- aws sts get-caller-identity`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\(AccessDenied\) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    // Another ServiceAccount in the right namespace.
    ok('kubectl create serviceaccount other-sa -n weasel');
    ok('kubectl annotate serviceaccount other-sa -n weasel eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/weasel-eks-pod-role');
    ok('kubectl run other-pod -n weasel --image=amazon/aws-cli --overrides=\'{"spec":{"serviceAccountName":"other-sa"}}\' -- sleep infinity');
    r = sh(`${IRSA} exec -n weasel other-pod -- aws sts get-caller-identity`);
    assert.match(r.stderr, /\(AccessDenied\) when calling the AssumeRoleWithWebIdentity operation/);
  });

  it('9. a ServiceAccount without the annotation gets no mutation', () => {
    ok('kubectl run plain -n weasel --image=amazon/aws-cli -- sleep infinity');
    const described = ok('kubectl describe pod plain -n weasel');
    assert.doesNotMatch(described, /AWS_ROLE_ARN/);
    assert.doesNotMatch(described, /aws-iam-token/);
  });
});
