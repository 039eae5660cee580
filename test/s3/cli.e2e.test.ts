import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';
import { WALKTHROUGH_POLICY } from '../support/walkthrough-policy.js';

/**
 * S3 with the real aws CLI (v1, botocore), credentials through IRSA exactly as in a pod: the
 * high-level `aws s3` commands (multipart above 8 MiB), `aws s3api`, S3's errors as the CLI shows
 * them, and the walkthrough's policy — every action it names succeeds, its neighbours get AWS's
 * denial text.
 */

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('S3 with the aws CLI through IRSA', () => {
  let srv: IrsaProcess;
  let work: string;
  let ops: PodIdentity;
  let app: PodIdentity;
  let account: string;
  const cli = (pod: PodIdentity, args: string[]) => aws(args, podEnv(pod), work);
  const ok = (r: { status: number | null; stdout: string; stderr: string }, what: string) => {
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    return r.stdout;
  };
  const json = (r: { status: number | null; stdout: string; stderr: string }, what: string) => JSON.parse(ok(r, what) || '{}') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const fails = (r: { status: number | null; stdout: string; stderr: string }, codeAndMessage: RegExp) => {
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, codeAndMessage);
  };

  before(async () => {
    srv = await startIrsa();
    work = mkdtempSync(join(tmpdir(), 'irsa-s3-cli-'));
    ops = await podIdentity(srv, { roleName: 's3-ops', namespace: 'ops', serviceAccount: 'ops', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::ops-*'] }] } });
    app = await podIdentity(srv, { roleName: 'weasel-eks-pod-role', namespace: 'weasel', serviceAccount: 'weasel-eks-pod-sa', policy: WALKTHROUGH_POLICY });
    account = JSON.parse(aws(['sts', 'get-caller-identity'], srv.env).stdout)['Account'];
    // Admin setup: the walkthrough's bucket and a neighbour.
    for (const b of ['weasel-images', 'other-bucket']) ok(aws(['s3', 'mb', `s3://${b}`], srv.env), `mb ${b}`);
    writeFileSync(join(work, 'secret.txt'), 'not yours');
    ok(aws(['s3', 'cp', join(work, 'secret.txt'), 's3://other-bucket/k'], srv.env), 'admin cp');
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    rmSync(work, { recursive: true, force: true });
  });

  it('aws s3 mb / cp (single and multipart) / ls / cp down / rm / rb', () => {
    ok(cli(ops, ['s3', 'mb', 's3://ops-data']), 'mb');
    const small = randomBytes(1000);
    const big = randomBytes(9 * 1024 * 1024 + 123); // above the CLI's 8 MiB multipart threshold
    writeFileSync(join(work, 'small.bin'), small);
    writeFileSync(join(work, 'big.bin'), big);
    ok(cli(ops, ['s3', 'cp', 'small.bin', 's3://ops-data/dir/small.bin']), 'cp small');
    ok(cli(ops, ['s3', 'cp', 'big.bin', 's3://ops-data/dir/big.bin']), 'cp big');
    const listing = ok(cli(ops, ['s3', 'ls', 's3://ops-data/dir/']), 'ls');
    assert.match(listing, /\s1000 small\.bin/);
    assert.match(listing, new RegExp(`\\s${big.length} big\\.bin`));
    assert.match(ok(cli(ops, ['s3', 'ls', 's3://ops-data']), 'ls root'), /PRE dir\//);
    const head = json(cli(ops, ['s3api', 'head-object', '--bucket', 'ops-data', '--key', 'dir/big.bin']), 'head big');
    assert.match(head['ETag'], /^"[0-9a-f]{32}-2"$/, 'a multipart ETag: md5 of the part md5s, -N');
    assert.equal(head['ContentLength'], big.length);
    ok(cli(ops, ['s3', 'cp', 's3://ops-data/dir/big.bin', 'big.down']), 'cp down');
    ok(cli(ops, ['s3', 'cp', 's3://ops-data/dir/small.bin', 'small.down']), 'cp small down');
    assert.equal(sha(readFileSync(join(work, 'big.down'))), sha(big));
    assert.equal(sha(readFileSync(join(work, 'small.down'))), sha(small));
    ok(cli(ops, ['s3', 'rm', 's3://ops-data/dir/', '--recursive']), 'rm --recursive');
    const empty = cli(ops, ['s3', 'ls', 's3://ops-data/dir/']);
    assert.deepEqual([empty.status, empty.stdout.trim()], [1, ''], 'the CLI exits 1 when a listing is empty');
    ok(cli(ops, ['s3', 'rb', 's3://ops-data']), 'rb');
    fails(cli(ops, ['s3', 'ls', 's3://ops-data']), /NoSuchBucket/);
  });

  it('aws s3api put-object / get-object / head-object / list-objects-v2 / delete-objects / copy-object', () => {
    ok(cli(ops, ['s3api', 'create-bucket', '--bucket', 'ops-api']), 'create-bucket');
    ok(cli(ops, ['s3api', 'head-bucket', '--bucket', 'ops-api']), 'head-bucket');
    assert.equal(json(cli(ops, ['s3api', 'get-bucket-location', '--bucket', 'ops-api']), 'location')['LocationConstraint'], null, 'us-east-1 is an empty LocationConstraint');
    writeFileSync(join(work, 'doc.txt'), 'hello s3api');
    const put = json(cli(ops, ['s3api', 'put-object', '--bucket', 'ops-api', '--key', 'a/b c+d.txt', '--body', 'doc.txt', '--content-type', 'text/plain', '--metadata', 'color=blue', '--cache-control', 'no-cache']), 'put');
    assert.equal(put['ETag'], `"${createHash('md5').update('hello s3api').digest('hex')}"`);
    const got = json(cli(ops, ['s3api', 'get-object', '--bucket', 'ops-api', '--key', 'a/b c+d.txt', 'got.txt']), 'get');
    assert.equal(readFileSync(join(work, 'got.txt'), 'utf8'), 'hello s3api');
    assert.deepEqual(got['Metadata'], { color: 'blue' });
    assert.equal(got['ContentType'], 'text/plain');
    assert.equal(got['CacheControl'], 'no-cache');
    const ranged = json(cli(ops, ['s3api', 'get-object', '--bucket', 'ops-api', '--key', 'a/b c+d.txt', '--range', 'bytes=-5', 'tail.txt']), 'ranged get');
    assert.equal(readFileSync(join(work, 'tail.txt'), 'utf8'), 's3api');
    assert.equal(ranged['ContentRange'], 'bytes 6-10/11');
    for (const k of ['a/x.txt', 'b/y.txt', 'top.txt']) ok(cli(ops, ['s3api', 'put-object', '--bucket', 'ops-api', '--key', k, '--body', 'doc.txt']), `put ${k}`);
    const listed = json(cli(ops, ['s3api', 'list-objects-v2', '--bucket', 'ops-api', '--delimiter', '/']), 'list');
    assert.deepEqual(listed['Contents'].map((c: { Key: string }) => c.Key), ['top.txt']);
    assert.deepEqual(listed['CommonPrefixes'].map((c: { Prefix: string }) => c.Prefix), ['a/', 'b/']);
    const prefixed = json(cli(ops, ['s3api', 'list-objects-v2', '--bucket', 'ops-api', '--prefix', 'a/']), 'list prefix');
    assert.deepEqual(prefixed['Contents'].map((c: { Key: string }) => c.Key), ['a/b c+d.txt', 'a/x.txt'], 'keys come back decoded from encoding-type=url');
    const paged = json(cli(ops, ['s3api', 'list-objects-v2', '--bucket', 'ops-api', '--max-items', '2']), 'paged');
    assert.equal(paged['Contents'].length, 2);
    assert.ok(paged['NextToken']);
    json(cli(ops, ['s3api', 'copy-object', '--bucket', 'ops-api', '--key', 'copy.txt', '--copy-source', 'ops-api/a/b c+d.txt']), 'copy');
    assert.equal(json(cli(ops, ['s3api', 'head-object', '--bucket', 'ops-api', '--key', 'copy.txt']), 'head copy')['Metadata']['color'], 'blue');
    writeFileSync(join(work, 'delete.json'), JSON.stringify({ Objects: [{ Key: 'a/x.txt' }, { Key: 'b/y.txt' }] }));
    const deleted = json(cli(ops, ['s3api', 'delete-objects', '--bucket', 'ops-api', '--delete', 'file://delete.json']), 'delete-objects');
    assert.deepEqual(deleted['Deleted'].map((d: { Key: string }) => d.Key).sort(), ['a/x.txt', 'b/y.txt']);
    assert.deepEqual(
      json(cli(ops, ['s3api', 'list-objects-v2', '--bucket', 'ops-api']), 'list after').Contents.map((c: { Key: string }) => c.Key),
      ['a/b c+d.txt', 'copy.txt', 'top.txt'],
    );
  });

  it('S3 errors as the CLI shows them: NoSuchBucket, NoSuchKey, 404 on HEAD, InvalidRange, BucketNotEmpty, KeyTooLongError, BadDigest, EntityTooSmall', () => {
    ok(cli(ops, ['s3api', 'create-bucket', '--bucket', 'ops-errors']), 'create');
    writeFileSync(join(work, 'tiny.txt'), 'tiny');
    ok(cli(ops, ['s3api', 'put-object', '--bucket', 'ops-errors', '--key', 'tiny.txt', '--body', 'tiny.txt']), 'put');
    fails(cli(ops, ['s3api', 'get-object', '--bucket', 'ops-nothing', '--key', 'k', 'x']), /\(NoSuchBucket\) when calling the GetObject operation: The specified bucket does not exist/);
    fails(cli(ops, ['s3api', 'get-object', '--bucket', 'ops-errors', '--key', 'missing', 'x']), /\(NoSuchKey\) when calling the GetObject operation: The specified key does not exist\./);
    fails(cli(ops, ['s3api', 'head-object', '--bucket', 'ops-errors', '--key', 'missing']), /\(404\) when calling the HeadObject operation: Not Found/);
    fails(cli(ops, ['s3api', 'get-object', '--bucket', 'ops-errors', '--key', 'tiny.txt', '--range', 'bytes=100-200', 'x']), /\(InvalidRange\) when calling the GetObject operation: The requested range is not satisfiable/);
    fails(cli(ops, ['s3api', 'delete-bucket', '--bucket', 'ops-errors']), /\(BucketNotEmpty\) when calling the DeleteBucket operation: The bucket you tried to delete is not empty/);
    fails(cli(ops, ['s3api', 'put-object', '--bucket', 'ops-errors', '--key', 'k'.repeat(1025), '--body', 'tiny.txt']), /\(KeyTooLongError\) when calling the PutObject operation: Your key is too long/);
    // botocore's retry config for S3 retries BadDigest (`contentmd5` in _retry.json), hence "reached max retries".
    const wrongMd5 = createHash('md5').update('not tiny').digest('base64');
    fails(cli(ops, ['s3api', 'put-object', '--bucket', 'ops-errors', '--key', 'md5.txt', '--body', 'tiny.txt', '--content-md5', wrongMd5]), /\(BadDigest\) when calling the PutObject operation(?: \(reached max retries: \d\))?: The Content-MD5 you specified did not match what we received\./);
    fails(cli(ops, ['s3api', 'get-object', '--bucket', 'ops-errors', '--key', 'md5.txt', 'x']), /NoSuchKey/);
    const uploadId = json(cli(ops, ['s3api', 'create-multipart-upload', '--bucket', 'ops-errors', '--key', 'mpu']), 'create mpu')['UploadId'];
    const parts = [1, 2].map((n) => ({ ETag: json(cli(ops, ['s3api', 'upload-part', '--bucket', 'ops-errors', '--key', 'mpu', '--upload-id', uploadId, '--part-number', String(n), '--body', 'tiny.txt']), `part ${n}`)['ETag'], PartNumber: n }));
    writeFileSync(join(work, 'parts.json'), JSON.stringify({ Parts: parts }));
    const listedParts = json(cli(ops, ['s3api', 'list-parts', '--bucket', 'ops-errors', '--key', 'mpu', '--upload-id', uploadId]), 'list-parts');
    assert.deepEqual(listedParts['Parts'].map((p: { PartNumber: number }) => p.PartNumber), [1, 2]);
    fails(
      cli(ops, ['s3api', 'complete-multipart-upload', '--bucket', 'ops-errors', '--key', 'mpu', '--upload-id', uploadId, '--multipart-upload', 'file://parts.json']),
      /\(EntityTooSmall\) when calling the CompleteMultipartUpload operation: Your proposed upload is smaller than the minimum allowed object size\./,
    );
    // What is not served says so instead of doing something else: UploadPartCopy would otherwise be an empty UploadPart.
    fails(
      cli(ops, ['s3api', 'upload-part-copy', '--bucket', 'ops-errors', '--key', 'mpu', '--upload-id', uploadId, '--part-number', '3', '--copy-source', 'ops-errors/tiny.txt']),
      /\(NotImplemented\) when calling the UploadPartCopy operation: A header you provided implies functionality that is not implemented/,
    );
    fails(cli(ops, ['s3api', 'get-object-tagging', '--bucket', 'ops-errors', '--key', 'tiny.txt']), /\(NotImplemented\) when calling the GetObjectTagging operation/);
    ok(cli(ops, ['s3api', 'abort-multipart-upload', '--bucket', 'ops-errors', '--key', 'mpu', '--upload-id', uploadId]), 'abort');
    fails(cli(ops, ['s3api', 'list-parts', '--bucket', 'ops-errors', '--key', 'mpu', '--upload-id', uploadId]), /\(NoSuchUpload\)/);
  });

  it('the walkthrough policy: Get/Put/Delete object and ListBucket on weasel-images succeed', () => {
    writeFileSync(join(work, 'cat.jpg'), randomBytes(2048));
    ok(cli(app, ['s3', 'cp', 'cat.jpg', 's3://weasel-images/cats/cat.jpg']), 's3:PutObject');
    assert.match(ok(cli(app, ['s3', 'ls', 's3://weasel-images/cats/']), 's3:ListBucket'), /cat\.jpg/);
    ok(cli(app, ['s3api', 'get-object', '--bucket', 'weasel-images', '--key', 'cats/cat.jpg', 'cat.down']), 's3:GetObject');
    assert.ok(readFileSync(join(work, 'cat.down')).equals(readFileSync(join(work, 'cat.jpg'))));
    ok(cli(app, ['s3', 'rm', 's3://weasel-images/cats/cat.jpg']), 's3:DeleteObject');
  });

  it('…and its neighbours get the exact AWS denial text', () => {
    const who = `User: arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/botocore-session-\\d+`;
    fails(
      cli(app, ['s3api', 'get-object', '--bucket', 'other-bucket', '--key', 'k', 'x']),
      new RegExp(`An error occurred \\(AccessDenied\\) when calling the GetObject operation: ${who} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::other-bucket/k" because no identity-based policy allows the s3:GetObject action\\n?$`),
    );
    fails(
      cli(app, ['s3', 'ls', 's3://other-bucket']),
      new RegExp(`\\(AccessDenied\\) when calling the ListObjectsV2 operation: ${who} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::other-bucket" because no identity-based policy allows the s3:ListBucket action`),
    );
    writeFileSync(join(work, 'open.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::weasel-images/*' }] }));
    fails(
      cli(app, ['s3api', 'put-bucket-policy', '--bucket', 'weasel-images', '--policy', 'file://open.json']),
      new RegExp(`\\(AccessDenied\\) when calling the PutBucketPolicy operation: ${who} is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::weasel-images" because no identity-based policy allows the s3:PutBucketPolicy action`),
    );
    fails(cli(app, ['s3', 'mb', 's3://weasel-new']), new RegExp(`s3:CreateBucket on resource: "arn:aws:s3:::weasel-new" because no identity-based policy allows the s3:CreateBucket action`));
    // ListBuckets acts on no resource: the message names none.
    fails(cli(app, ['s3', 'ls']), new RegExp(`\\(AccessDenied\\) when calling the ListBuckets operation: ${who} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action`));
    assert.match(ok(aws(['s3', 'ls'], srv.env, work), 'admin ListBuckets'), /other-bucket[\s\S]*weasel-images/);
  });

  it('a bucket policy with an explicit deny wins over the identity policy', () => {
    writeFileSync(
      join(work, 'deny.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'NoDeletes', Effect: 'Deny', Principal: { AWS: app.roleArn }, Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::weasel-images/*' }],
      }),
    );
    ok(aws(['s3api', 'put-bucket-policy', '--bucket', 'weasel-images', '--policy', 'file://deny.json'], srv.env, work), 'admin put-bucket-policy');
    writeFileSync(join(work, 'keep.txt'), 'keep');
    ok(cli(app, ['s3', 'cp', 'keep.txt', 's3://weasel-images/keep.txt']), 'put still allowed');
    fails(
      cli(app, ['s3api', 'delete-object', '--bucket', 'weasel-images', '--key', 'keep.txt']),
      new RegExp(`\\(AccessDenied\\) when calling the DeleteObject operation: User: arn:aws:sts::${account}:assumed-role/weasel-eks-pod-role/botocore-session-\\d+ is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::weasel-images/keep.txt" with an explicit deny in a resource-based policy`),
    );
    ok(aws(['s3api', 'delete-bucket-policy', '--bucket', 'weasel-images'], srv.env, work), 'admin delete-bucket-policy');
    ok(cli(app, ['s3api', 'delete-object', '--bucket', 'weasel-images', '--key', 'keep.txt']), 'delete allowed again');
  });
});
