import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { BEDROCK_RUNTIME_MODEL as RUNTIME } from '../../src/wire/models/bedrock-runtime.js';
import { BEDROCK_MODEL as BEDROCK } from '../../src/wire/models/bedrock.js';
import { decodeRestJsonInput, encodeRestJsonError, encodeRestJsonOutput, type RestJsonRequest } from '../../src/wire/rest-json.js';

const request = (over: Partial<RestJsonRequest>): RestJsonRequest => ({ labels: {}, query: new URLSearchParams(), headers: {}, body: new Uint8Array(0), ...over });

function fails(fn: () => unknown, code: string, message?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.code, code);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

describe('REST-JSON requests', () => {
  it('reads query-string members and checks their enums', () => {
    assert.deepEqual(decodeRestJsonInput(BEDROCK, 'ListFoundationModels', request({ query: new URLSearchParams('byProvider=Meta&byOutputModality=TEXT') })), { byProvider: 'Meta', byOutputModality: 'TEXT' });
    fails(
      () => decodeRestJsonInput(BEDROCK, 'ListFoundationModels', request({ query: new URLSearchParams('byInferenceType=SOMETIMES&byProvider=a_b') })),
      'ValidationException',
      "2 validation errors detected: Value 'SOMETIMES' at 'byInferenceType' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]; " +
        "Value 'a_b' at 'byProvider' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9- ]{1,63}",
    );
  });

  it('reads URI labels, headers and a blob payload', () => {
    const input = decodeRestJsonInput(RUNTIME, 'InvokeModel', request({ labels: { modelId: 'amazon.nova-lite-v1:0' }, headers: { 'content-type': 'application/json', 'x-amzn-bedrock-trace': 'ENABLED' }, body: Buffer.from('{"a":1}') }));
    assert.equal(input['modelId'], 'amazon.nova-lite-v1:0');
    assert.equal(input['contentType'], 'application/json');
    assert.equal(input['trace'], 'ENABLED');
    assert.deepEqual(input['body'], Buffer.from('{"a":1}'));
    fails(
      () => decodeRestJsonInput(RUNTIME, 'InvokeModel', request({ labels: { modelId: 'bad model!' }, headers: { 'x-amzn-bedrock-trace': 'LOUD' } })),
      'ValidationException',
    );
  });

  it('reads JSON body members with the JSON protocol, reporting every constraint', () => {
    const input = decodeRestJsonInput(
      RUNTIME,
      'Converse',
      request({ labels: { modelId: 'amazon.nova-lite-v1:0' }, body: Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 5, temperature: 0.5 }, unknownMember: 1 })) }),
    );
    assert.deepEqual(input, { modelId: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 5, temperature: 0.5 } });
    fails(
      () =>
        decodeRestJsonInput(
          RUNTIME,
          'Converse',
          request({ labels: { modelId: 'amazon.nova-lite-v1:0' }, body: Buffer.from(JSON.stringify({ messages: [{ role: 'robot', content: [] }], inferenceConfig: { maxTokens: 0, temperature: 1.5 } })) }),
        ),
      'ValidationException',
      "3 validation errors detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1; " +
        "Value 'robot' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
    );
  });

  it('a required label that is missing, a value of the wrong type or a body that is not JSON', () => {
    fails(() => decodeRestJsonInput(BEDROCK, 'GetFoundationModel', request({})), 'ValidationException', "1 validation error detected: Value null at 'modelIdentifier' failed to satisfy constraint: Member must not be null");
    fails(() => decodeRestJsonInput(RUNTIME, 'Converse', request({ labels: { modelId: 'a.b' }, body: Buffer.from('{"inferenceConfig":{"maxTokens":"ten"}}') })), 'SerializationException');
    fails(() => decodeRestJsonInput(RUNTIME, 'Converse', request({ labels: { modelId: 'a.b' }, body: Buffer.from('[1,2]') })), 'SerializationException');
    fails(() => decodeRestJsonInput(RUNTIME, 'Converse', request({ labels: { modelId: 'a.b' }, body: Buffer.from('{"messages":') })), 'SerializationException');
  });
});

describe('REST-JSON responses', () => {
  it('a blob payload is the body and header members are headers', () => {
    const out = encodeRestJsonOutput(RUNTIME, 'InvokeModel', { body: Buffer.from('{"x":1}'), contentType: 'application/json', serviceTier: 'default' });
    assert.equal(out.status, 200);
    assert.deepEqual(out.headers, { 'content-type': 'application/json', 'x-amzn-bedrock-service-tier': 'default' });
    assert.equal(out.body.toString(), '{"x":1}');
  });

  it('other outputs are JSON objects of the members the model names', () => {
    const out = encodeRestJsonOutput(BEDROCK, 'GetFoundationModel', { modelDetails: { modelId: 'a.b', modelArn: 'arn', modelLifecycle: { status: 'ACTIVE', startOfLifeTime: new Date(1_700_000_000_000) }, notInModel: 1 } });
    assert.deepEqual(JSON.parse(out.body.toString()), { modelDetails: { modelArn: 'arn', modelId: 'a.b', modelLifecycle: { status: 'ACTIVE', startOfLifeTime: 1_700_000_000 } } });
    assert.equal(out.headers['content-type'], 'application/json');
  });

  it('errors carry the code in x-amzn-ErrorType and extra members in the body', () => {
    const e = encodeRestJsonError(new AwsError('ModelErrorException', 'boom', 424), 'rid', { originalStatusCode: 500 });
    assert.equal(e.status, 424);
    assert.equal(e.headers['x-amzn-errortype'], 'ModelErrorException');
    assert.deepEqual(JSON.parse(e.body.toString()), { message: 'boom', originalStatusCode: 500 });
  });
});
