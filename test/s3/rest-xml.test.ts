import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { addressOf, queryParams, virtualHostBucket } from '../../src/server/s3-endpoint.js';
import { S3_MODEL } from '../../src/wire/models/s3.js';
import { RestInputError, decodeRestInput, encodeRestOutput, parseXml, selectOperation } from '../../src/wire/rest-xml.js';

/** The REST-XML codec driven by the S3 model, and S3 addressing. */
describe('REST-XML: operation selection from the S3 model', () => {
  const pick = (method: string, bucket: string | undefined, key: string | undefined, query = '', headers: Record<string, string> = {}) => {
    const labels: Record<string, string> = {};
    if (bucket !== undefined) labels['Bucket'] = bucket;
    if (key !== undefined) labels['Key'] = key;
    return selectOperation(S3_MODEL, method, labels, queryParams(query), headers);
  };

  it('picks each operation by method, labels, query markers and required members', () => {
    const cases: [string, string | undefined, string | undefined, string, Record<string, string>, string | undefined][] = [
      ['GET', undefined, undefined, '', {}, 'ListBuckets'],
      ['PUT', 'b', undefined, '', {}, 'CreateBucket'],
      ['HEAD', 'b', undefined, '', {}, 'HeadBucket'],
      ['DELETE', 'b', undefined, '', {}, 'DeleteBucket'],
      ['GET', 'b', undefined, 'location', {}, 'GetBucketLocation'],
      ['GET', 'b', undefined, 'list-type=2&prefix=a%2F&encoding-type=url', {}, 'ListObjectsV2'],
      ['GET', 'b', undefined, 'prefix=a', {}, 'ListObjects'],
      ['GET', 'b', undefined, 'uploads', {}, 'ListMultipartUploads'],
      ['POST', 'b', undefined, 'delete', {}, 'DeleteObjects'],
      ['PUT', 'b', undefined, 'policy', {}, 'PutBucketPolicy'],
      ['GET', 'b', undefined, 'policy', {}, 'GetBucketPolicy'],
      ['DELETE', 'b', undefined, 'policy', {}, 'DeleteBucketPolicy'],
      ['PUT', 'b', 'k', 'x-id=PutObject', {}, 'PutObject'],
      ['PUT', 'b', 'k', '', { 'x-amz-copy-source': '/b/src' }, 'CopyObject'],
      ['PUT', 'b', 'k', 'partNumber=2&uploadId=abc', {}, 'UploadPart'],
      ['GET', 'b', 'k', 'x-id=GetObject', {}, 'GetObject'],
      ['GET', 'b', 'k', 'uploadId=abc', {}, 'ListParts'],
      ['HEAD', 'b', 'k', '', {}, 'HeadObject'],
      ['DELETE', 'b', 'k', '', {}, 'DeleteObject'],
      ['DELETE', 'b', 'k', 'uploadId=abc', {}, 'AbortMultipartUpload'],
      ['POST', 'b', 'k', 'uploads', {}, 'CreateMultipartUpload'],
      ['POST', 'b', 'k', 'uploadId=abc', {}, 'CompleteMultipartUpload'],
      ['POST', 'b', 'k', '', {}, undefined],
      ['PATCH', 'b', 'k', '', {}, undefined],
    ];
    for (const [method, bucket, key, query, headers, want] of cases) {
      assert.equal(pick(method, bucket, key, query, headers), want, `${method} ${bucket ?? ''}/${key ?? ''}?${query}`);
    }
  });
});

describe('REST-XML: request members', () => {
  it('reads uri, querystring (typed), header and the x-amz-meta- map', () => {
    const input = decodeRestInput(S3_MODEL, 'ListObjectsV2', {
      labels: { Bucket: 'b' },
      query: queryParams('list-type=2&prefix=a%2Fb&max-keys=7&fetch-owner=true&start-after=x+y'),
      headers: {},
    });
    assert.deepEqual(input, { Bucket: 'b', Prefix: 'a/b', MaxKeys: 7, FetchOwner: true, StartAfter: 'x y' });
    const put = decodeRestInput(S3_MODEL, 'PutObject', {
      labels: { Bucket: 'b', Key: 'k' },
      query: new Map(),
      headers: { 'content-type': 'text/plain', 'x-amz-meta-color': 'blue', 'x-amz-meta-size': 'L', 'if-none-match': '*', 'content-length': '5' },
    });
    assert.equal(put['ContentType'], 'text/plain');
    assert.equal(put['ContentLength'], 5);
    assert.equal(put['IfNoneMatch'], '*');
    assert.deepEqual(put['Metadata'], { color: 'blue', size: 'L' });
    const head = decodeRestInput(S3_MODEL, 'HeadObject', { labels: { Bucket: 'b', Key: 'k' }, query: new Map(), headers: { 'if-modified-since': 'Sat, 28 Nov 2026 13:06:41 GMT' } });
    assert.deepEqual(head['IfModifiedSince'], new Date('2026-11-28T13:06:41Z'));
  });

  it('an integer it cannot read is InvalidArgument naming the parameter', () => {
    assert.throws(
      () => decodeRestInput(S3_MODEL, 'ListObjectsV2', { labels: { Bucket: 'b' }, query: queryParams('list-type=2&max-keys=ten'), headers: {} }),
      (e: unknown) => e instanceof RestInputError && e.code === 'InvalidArgument' && e.argumentName === 'max-keys' && e.message === 'Provided max-keys not an integer or within integer range',
    );
  });

  it('XML payloads: flattened lists, nested structures, namespaces', () => {
    const body = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Part><ETag>"e1"</ETag><PartNumber>1</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>' +
        '<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part></CompleteMultipartUpload>',
    );
    const input = decodeRestInput(S3_MODEL, 'CompleteMultipartUpload', { labels: { Bucket: 'b', Key: 'k' }, query: queryParams('uploadId=u1'), headers: {}, body });
    assert.deepEqual(input['MultipartUpload'], {
      Parts: [
        { ETag: '"e1"', PartNumber: 1, ChecksumCRC32: 'AAAAAA==' },
        { ETag: '"e2"', PartNumber: 2 },
      ],
    });
    const del = decodeRestInput(S3_MODEL, 'DeleteObjects', {
      labels: { Bucket: 'b' },
      query: queryParams('delete'),
      headers: {},
      body: Buffer.from('<Delete><Object><Key>a&amp;b</Key></Object><Object><Key><![CDATA[<c>]]></Key></Object><Quiet>true</Quiet></Delete>'),
    });
    assert.deepEqual(del['Delete'], { Objects: [{ Key: 'a&b' }, { Key: '<c>' }], Quiet: true });
    const create = decodeRestInput(S3_MODEL, 'CreateBucket', {
      labels: { Bucket: 'b' },
      query: new Map(),
      headers: {},
      body: Buffer.from('<CreateBucketConfiguration><LocationConstraint>us-east-2</LocationConstraint></CreateBucketConfiguration>'),
    });
    assert.deepEqual(create['CreateBucketConfiguration'], { LocationConstraint: 'us-east-2' });
  });

  it('malformed XML, a DOCTYPE (entity expansion), a wrong root or deep nesting is MalformedXML', () => {
    const bad = [
      '<Delete><Object><Key>a</Key></Object>',
      '<!DOCTYPE x [<!ENTITY a "aaaa">]><Delete><Object><Key>&a;</Key></Object></Delete>',
      '<NotDelete/>',
      `<Delete>${'<x>'.repeat(40)}${'</x>'.repeat(40)}</Delete>`,
      'not xml',
    ];
    for (const text of bad) {
      assert.throws(
        () => decodeRestInput(S3_MODEL, 'DeleteObjects', { labels: { Bucket: 'b' }, query: queryParams('delete'), headers: {}, body: Buffer.from(text) }),
        (e: unknown) => e instanceof AwsError && e.code === 'MalformedXML',
        text,
      );
    }
    assert.equal(parseXml(Buffer.from('<a:Delete xmlns:a="urn:x"><a:Quiet>false</a:Quiet></a:Delete>')).children[0]?.name, 'Quiet');
  });
});

describe('REST-XML: responses', () => {
  it('flattened lists, wrapped lists, ISO 8601 timestamps with milliseconds, escaped text', () => {
    const out = encodeRestOutput(
      S3_MODEL,
      'ListObjectsV2',
      {
        IsTruncated: false,
        Contents: [{ Key: 'a<b', LastModified: new Date('2026-01-02T03:04:05Z'), ETag: '"x"', Size: 3, StorageClass: 'STANDARD', ChecksumAlgorithm: ['CRC32'] }],
        Name: 'b',
        Prefix: '',
        CommonPrefixes: [{ Prefix: 'p/' }, { Prefix: 'q/' }],
        KeyCount: 3,
        MaxKeys: 1000,
      },
      'ListBucketResult',
    );
    assert.equal(out.status, 200);
    assert.equal(
      out.body,
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>' +
        '<Contents><Key>a&lt;b</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>&quot;x&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>' +
        '<Name>b</Name><Prefix/><MaxKeys>1000</MaxKeys><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>q/</Prefix></CommonPrefixes><KeyCount>3</KeyCount></ListBucketResult>',
    );
    const buckets = encodeRestOutput(S3_MODEL, 'ListBuckets', { Buckets: [{ Name: 'x', CreationDate: new Date(0) }], Owner: { ID: 'id' } }, 'ListAllMyBucketsResult');
    assert.match(buckets.body ?? '', /<Buckets><Bucket><Name>x<\/Name><CreationDate>1970-01-01T00:00:00.000Z<\/CreationDate><\/Bucket><\/Buckets><Owner><ID>id<\/ID><\/Owner>/);
  });

  it('header members (RFC 1123 dates), the metadata map, payload structures, response codes', () => {
    const get = encodeRestOutput(S3_MODEL, 'GetObject', { ETag: '"e"', LastModified: new Date('2026-01-02T03:04:05Z'), ContentLength: 4, Metadata: { color: 'blue' } });
    assert.deepEqual(get.headers, { etag: '"e"', 'last-modified': 'Fri, 02 Jan 2026 03:04:05 GMT', 'content-length': '4', 'x-amz-meta-color': 'blue' });
    assert.equal(get.body, undefined);
    const copy = encodeRestOutput(S3_MODEL, 'CopyObject', { CopyObjectResult: { ETag: '"e"', LastModified: new Date(0) } });
    assert.equal(copy.body, '<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>&quot;e&quot;</ETag><LastModified>1970-01-01T00:00:00.000Z</LastModified></CopyObjectResult>');
    assert.equal(encodeRestOutput(S3_MODEL, 'DeleteObject', {}).status, 204);
    assert.equal(encodeRestOutput(S3_MODEL, 'GetBucketPolicy', { Policy: '{"a":1}' }).body, '{"a":1}');
  });
});

describe('S3 addressing', () => {
  it('virtual-hosted buckets: *.localhost, bucket.s3.…, this host; path style for IPs and plain names', () => {
    assert.equal(virtualHostBucket('bkt.localhost:4566'), 'bkt');
    assert.equal(virtualHostBucket('my.dotted.bucket.localhost'), 'my.dotted.bucket');
    assert.equal(virtualHostBucket('bkt.s3.amazonaws.com'), 'bkt');
    assert.equal(virtualHostBucket('bkt.s3.us-east-2.amazonaws.com'), 'bkt');
    assert.equal(virtualHostBucket('bkt.s3-us-west-2.amazonaws.com'), 'bkt');
    assert.equal(virtualHostBucket('bkt.devbox:4566', 'devbox'), 'bkt');
    for (const h of ['localhost:4566', '127.0.0.1:4566', '[::1]:4566', 's3.amazonaws.com', 'devbox:4566', undefined]) assert.equal(virtualHostBucket(h, 'devbox'), undefined, String(h));
  });

  it('path style splits bucket and key as sent, percent-decoding each; a trailing slash is the bucket', () => {
    assert.deepEqual(addressOf('/bkt1/a%20b/c%2Bd.txt', undefined), { bucket: 'bkt1', key: 'a b/c+d.txt' });
    assert.deepEqual(addressOf('/bkt1/', undefined), { bucket: 'bkt1', key: undefined });
    assert.deepEqual(addressOf('/bkt1', undefined), { bucket: 'bkt1', key: undefined });
    assert.deepEqual(addressOf('/', undefined), { bucket: undefined, key: undefined });
    assert.deepEqual(addressOf('/bkt1//lead', undefined), { bucket: 'bkt1', key: '/lead' });
    assert.deepEqual(addressOf('/k%C3%A9y', 'vh'), { bucket: 'vh', key: 'kéy' });
    assert.deepEqual(addressOf('/', 'vh'), { bucket: 'vh', key: undefined });
    assert.throws(() => addressOf('/b/%E0%A4%A', undefined), (e: unknown) => e instanceof AwsError && e.code === 'InvalidURI');
  });
});
