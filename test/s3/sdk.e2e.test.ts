import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@aws-crypto/sha256-js';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { podEnv, podIdentity, type PodIdentity } from '../support/irsa-pod.js';
import { aws, removeDir, startIrsa, type IrsaProcess } from '../support/irsa-server.js';

/**
 * S3 with boto3 and the AWS SDK for JavaScript v3, credentials through IRSA: boto3's managed
 * transfers (multipart with a small threshold) and presigned URLs (SigV2 in us-east-1, SigV4 with
 * the session token in us-east-2) fetched over plain HTTP; the JS SDK's streamed PutObject
 * (aws-chunked with a trailing checksum), GetObject with checksum validation, lib-storage's
 * multipart Upload, the presigner, and virtual-hosted-style addressing.
 */
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('S3 with boto3 and the JS SDK v3 through IRSA', () => {
  let srv: IrsaProcess;
  let work: string;
  let pod: PodIdentity;
  let client: S3Client;
  let port: string;

  before(async () => {
    srv = await startIrsa();
    port = new URL(srv.url).port;
    work = mkdtempSync(join(tmpdir(), 'irsa-s3-sdk-'));
    pod = await podIdentity(srv, { roleName: 'sdk-app', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::sdk-*'] }] } });
    for (const b of ['sdk-boto', 'sdk-js']) assert.equal(aws(['s3', 'mb', `s3://${b}`], srv.env).status, 0);
    const creds = await pod.credentials();
    client = new S3Client({ region: 'us-east-1', endpoint: srv.url, forcePathStyle: true, credentials: creds });
  });
  after(async () => {
    client?.destroy();
    await srv?.stop();
    removeDir(srv?.dataDir ?? '');
    rmSync(work, { recursive: true, force: true });
  });

  it('boto3 upload_file / download_file (multipart) and presigned GETs in SigV2 and SigV4', () => {
    const data = randomBytes(11 * 1024 * 1024 + 7);
    writeFileSync(join(work, 'up.bin'), data);
    const script = `
import boto3, json, sys, urllib.request
from boto3.s3.transfer import TransferConfig
s3 = boto3.client('s3')
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_file('up.bin', 'sdk-boto', 'big/up.bin', Config=cfg)
head = s3.head_object(Bucket='sdk-boto', Key='big/up.bin')
s3.download_file('sdk-boto', 'big/up.bin', 'down.bin', Config=cfg)
s3.put_object(Bucket='sdk-boto', Key='small.txt', Body=b'presigned hello')
out = {'etag': head['ETag'], 'urls': {}}
for region in ('us-east-1', 'us-east-2'):
    c = boto3.client('s3', region_name=region)
    url = c.generate_presigned_url('get_object', Params={'Bucket': 'sdk-boto', 'Key': 'small.txt'}, ExpiresIn=300)
    body = urllib.request.urlopen(url).read().decode()
    out['urls'][region] = {'url': url, 'body': body}
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', script], { cwd: work, env: podEnv(pod), encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { etag: string; urls: Record<string, { url: string; body: string }> };
    assert.match(out.etag, /^"[0-9a-f]{32}-3"$/, 'three 5 MiB parts');
    assert.equal(sha(readFileSync(join(work, 'down.bin'))), sha(data));
    const v2 = new URL(out.urls['us-east-1']?.url ?? '');
    assert.ok(v2.searchParams.has('AWSAccessKeyId') && v2.searchParams.has('Signature') && v2.searchParams.has('x-amz-security-token'), 'us-east-1 presigns with SigV2');
    const v4 = new URL(out.urls['us-east-2']?.url ?? '');
    assert.equal(v4.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.ok(v4.searchParams.has('X-Amz-Security-Token'));
    assert.equal(out.urls['us-east-1']?.body, 'presigned hello');
    assert.equal(out.urls['us-east-2']?.body, 'presigned hello');
  });

  it('a presigned URL with a tampered signature or another key is refused', async () => {
    const creds = await pod.credentials();
    const c = new S3Client({ region: 'us-east-2', endpoint: srv.url, forcePathStyle: true, credentials: creds });
    const url = await getSignedUrl(c, new GetObjectCommand({ Bucket: 'sdk-boto', Key: 'small.txt' }), { expiresIn: 60 });
    c.destroy();
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, d: string) => `X-Amz-Signature=${d === '0' ? '1' : '0'}`);
    const r = await fetch(tampered);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const other = await fetch(url.replace('small.txt', 'other.txt'));
    assert.equal(other.status, 403);
    // S3's error document as sent: the code, the message, the key, the request ids.
    const presigner = new S3Client({ region: 'us-east-2', endpoint: srv.url, forcePathStyle: true, credentials: creds });
    const missing = await getSignedUrl(presigner, new GetObjectCommand({ Bucket: 'sdk-boto', Key: 'no/such key' }), { expiresIn: 60 });
    presigner.destroy();
    const nsk = await fetch(missing);
    assert.equal(nsk.status, 404);
    assert.equal(nsk.headers.get('content-type'), 'application/xml');
    const requestId = nsk.headers.get('x-amz-request-id');
    assert.ok(requestId && nsk.headers.get('x-amz-id-2'));
    assert.match(
      await nsk.text(),
      new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>no/such key</Key><RequestId>${requestId}</RequestId><HostId>[A-Za-z0-9+/=]+</HostId></Error>$`),
    );
  });

  it('JS SDK: PutObject with a stream body (aws-chunked, trailing CRC32), GetObject with checksum validation', async () => {
    const data = randomBytes(300 * 1024);
    const put = await client.send(new PutObjectCommand({ Bucket: 'sdk-js', Key: 'stream.bin', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), ContentLength: data.length, ContentType: 'application/octet-stream', Metadata: { origin: 'js' } }));
    assert.equal(put.ETag, `"${createHash('md5').update(data).digest('hex')}"`);
    assert.ok(put.ChecksumCRC32, 'the trailing checksum was verified and is returned');
    const got = await client.send(new GetObjectCommand({ Bucket: 'sdk-js', Key: 'stream.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
    const bytes = await got.Body?.transformToByteArray();
    assert.ok(bytes && Buffer.from(bytes).equals(data), 'the SDK validated the CRC32 while reading');
    assert.deepEqual(got.Metadata, { origin: 'js' });
    const text = await client.send(new PutObjectCommand({ Bucket: 'sdk-js', Key: 'dir/hello.txt', Body: 'hello js' }));
    assert.ok(text.ETag);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'sdk-js', Key: 'dir/hello.txt' }));
    assert.equal(head.ContentLength, 8);
  });

  it('JS SDK: lib-storage Upload (multipart) and a presigned GET from s3-request-presigner', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 1);
    const upload = new Upload({ client, params: { Bucket: 'sdk-js', Key: 'multi.bin', Body: Readable.from([data]) }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const done = await upload.done();
    assert.match(done.ETag ?? '', /^"[0-9a-f]{32}-3"$/);
    const got = await client.send(new GetObjectCommand({ Bucket: 'sdk-js', Key: 'multi.bin' }));
    assert.equal(sha((await got.Body?.transformToByteArray()) ?? new Uint8Array()), sha(data));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'sdk-js', Key: 'dir/hello.txt' }), { expiresIn: 120 });
    assert.match(url, /X-Amz-Security-Token=/);
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'hello js');
  });

  it('a body in signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) is stored; a tampered chunk is refused and nothing is stored', async () => {
    const creds = await pod.credentials();
    const payload = randomBytes(200 * 1024);
    const send = async (key: string, tamper: boolean): Promise<{ status: number; text: string }> => {
      const sizes = [64 * 1024, 64 * 1024, 64 * 1024, payload.length - 3 * 64 * 1024, 0];
      const framedLength = sizes.reduce((n, size) => n + size.toString(16).length + ';chunk-signature='.length + 64 + 4 + size, 0);
      const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
      const signed = await signer.sign(
        new HttpRequest({
          method: 'PUT',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: Number(port),
          path: `/sdk-js/${key}`,
          headers: {
            host: `127.0.0.1:${port}`,
            'content-encoding': 'aws-chunked',
            'content-length': String(framedLength),
            'x-amz-decoded-content-length': String(payload.length),
            'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          },
        }),
      );
      const h = signed.headers;
      const seed = /Signature=([0-9a-f]{64})/.exec(h['authorization'] ?? '')?.[1] ?? '';
      const amzDate = h['x-amz-date'] ?? '';
      const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
      const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
      const kSigning = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, amzDate.slice(0, 8)), 'us-east-1'), 's3'), 'aws4_request');
      const empty = createHash('sha256').update('').digest('hex');
      const parts: Buffer[] = [];
      let previous = seed;
      let at = 0;
      for (const size of sizes) {
        const data = payload.subarray(at, at + size);
        at += size;
        previous = createHmac('sha256', kSigning).update(`AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${empty}\n${createHash('sha256').update(data).digest('hex')}`).digest('hex');
        const sent = tamper && size > 0 && at > 128 * 1024 && at <= 192 * 1024 ? Buffer.concat([data.subarray(0, -1), Buffer.from([data[data.length - 1]! ^ 1])]) : data;
        parts.push(Buffer.from(`${size.toString(16)};chunk-signature=${previous}\r\n`), sent, Buffer.from('\r\n'));
      }
      const body = Buffer.concat(parts);
      assert.equal(body.length, framedLength);
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: Number(port), method: 'PUT', path: `/sdk-js/${key}`, headers: h }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    const good = await send('signed-chunks.bin', false);
    assert.equal(good.status, 200, good.text);
    const got = await client.send(new GetObjectCommand({ Bucket: 'sdk-js', Key: 'signed-chunks.bin' }));
    assert.ok(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(payload));
    const bad = await send('tampered-chunks.bin', true);
    assert.equal(bad.status, 403);
    assert.match(bad.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'sdk-js', Prefix: 'tampered' }));
    assert.equal(listed.KeyCount, 0);
  });

  it('JS SDK virtual-hosted style: Host bucket.localhost:PORT (the name resolved to loopback as RFC 6761 says)', async () => {
    // This machine's resolver does not answer *.localhost, so the client's agent resolves it.
    const agent = new http.Agent({
      lookup: (hostname, options, cb) => {
        if (!hostname.endsWith('localhost')) throw new Error(`unexpected host ${hostname}`);
        if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
        else cb(null, '127.0.0.1', 4);
      },
    });
    const hosts: string[] = [];
    const vhost = new S3Client({ region: 'us-east-1', endpoint: `http://localhost:${port}`, forcePathStyle: false, credentials: await pod.credentials(), requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
    vhost.middlewareStack.add((next) => async (args) => {
      hosts.push(String((args.request as { hostname?: string }).hostname));
      return next(args);
    }, { step: 'finalizeRequest' });
    try {
      await vhost.send(new PutObjectCommand({ Bucket: 'sdk-js', Key: 'vhost/a b.txt', Body: 'virtual' }));
      const got = await vhost.send(new GetObjectCommand({ Bucket: 'sdk-js', Key: 'vhost/a b.txt' }));
      assert.equal(await got.Body?.transformToString(), 'virtual');
      const listed = await vhost.send(new ListObjectsV2Command({ Bucket: 'sdk-js', Prefix: 'vhost/' }));
      assert.deepEqual(listed.Contents?.map((c) => c.Key), ['vhost/a b.txt']);
      assert.ok(hosts.length >= 3 && hosts.every((h) => h === 'sdk-js.localhost'), hosts.join(','));
    } finally {
      vhost.destroy();
      agent.destroy();
    }
  });
});
