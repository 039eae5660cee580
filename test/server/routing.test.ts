import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { routeAwsRequest, signingService } from '../../src/server/routing.js';

function req(method: string, headers: Record<string, string> = {}): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}
const sigv4 = (service: string): Record<string, string> => ({
  authorization: `AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE12/20261128/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
});

describe('routing on the one AWS endpoint', () => {
  it('the credential scope decides, even where paths collide (a bucket named "clusters")', () => {
    assert.equal(routeAwsRequest(req('GET', sigv4('s3')), '/clusters', ''), 's3');
    assert.equal(routeAwsRequest(req('GET', sigv4('eks')), '/clusters', ''), 'eks');
    assert.equal(routeAwsRequest(req('POST', sigv4('sts')), '/', ''), 'query');
    assert.equal(routeAwsRequest(req('POST', sigv4('iam')), '/', ''), 'query');
    assert.equal(routeAwsRequest(req('POST', sigv4('secretsmanager')), '/', ''), 'secretsmanager');
    assert.equal(routeAwsRequest(req('POST', sigv4('bedrock')), '/model/amazon.titan-text-express-v1/invoke', ''), 'bedrock');
  });

  it('presigned SigV4 URLs are routed by the scope in X-Amz-Credential (encoded or not)', () => {
    const q = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAX%2F20261128%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261128T000000Z';
    assert.equal(signingService(req('GET'), q), 's3');
    assert.equal(routeAwsRequest(req('GET'), '/clusters', q), 's3');
    const sts = 'Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Credential=AKIAX/20261128/us-east-1/sts/aws4_request';
    assert.equal(routeAwsRequest(req('GET'), '/', sts), 'query');
  });

  it('unsigned requests go by the protocol marks', () => {
    assert.equal(routeAwsRequest(req('POST', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }), '/', ''), 'query');
    assert.equal(routeAwsRequest(req('GET'), '/', 'Action=AssumeRoleWithWebIdentity&RoleArn=x'), 'query');
    assert.equal(routeAwsRequest(req('POST', { 'x-amz-target': 'secretsmanager.GetSecretValue' }), '/', ''), 'secretsmanager');
    assert.equal(routeAwsRequest(req('GET', { authorization: 'AWS AKIAEXAMPLE:c2lnbmF0dXJl' }), '/b/k', ''), 's3');
    assert.equal(routeAwsRequest(req('GET'), '/b/k', 'AWSAccessKeyId=AKIAX&Signature=abc&Expires=1'), 's3');
    assert.equal(routeAwsRequest(req('GET'), '/clusters/local', ''), 'eks');
    assert.equal(routeAwsRequest(req('GET'), '/foundation-models', ''), 'bedrock');
    assert.equal(routeAwsRequest(req('GET'), '/', ''), 's3');
    assert.equal(routeAwsRequest(req('PUT'), '/bucket/key', ''), 's3');
  });

  it('an unknown signing name falls back to the marks', () => {
    assert.equal(routeAwsRequest(req('POST', { ...sigv4('dynamodb'), 'x-amz-target': 'secretsmanager.ListSecrets' }), '/', ''), 'secretsmanager');
  });
});
