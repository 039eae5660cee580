import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsError } from '../../src/aws/error.js';
import { decodeJsonInput, encodeJsonError, encodeJsonOutput } from '../../src/wire/json-codec.js';
import type { ServiceModel } from '../../src/wire/model.js';
import { SECRETSMANAGER_MODEL as SM } from '../../src/wire/models/secretsmanager.js';

/** The JSON 1.1 codec, driven by the Secrets Manager model (and a small model for the other types). */
function fails(fn: () => unknown, code: string, message?: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.httpStatus, 400);
    if (message !== undefined) assert.equal(e.message, message);
    return;
  }
  assert.fail(`expected ${code}`);
}

const TYPES: ServiceModel = {
  metadata: { apiVersion: '2020-01-01', protocol: 'json', targetPrefix: 'test', jsonVersion: '1.1' },
  operations: { Op: { http: { method: 'POST', requestUri: '/' }, input: 'In', output: 'Out', errors: [] } },
  shapes: {
    In: { type: 'structure', members: { When: { shape: 'Ts' }, Count: { shape: 'Int' }, Ratio: { shape: 'Dbl' }, Labels: { shape: 'Map' }, Flag: { shape: 'Bool' } } },
    Out: { type: 'structure', members: { When: { shape: 'Ts' }, Data: { shape: 'Blob' }, Labels: { shape: 'Map' }, Items: { shape: 'List' }, Name: { shape: 'Str' } } },
    Ts: { type: 'timestamp' },
    Int: { type: 'integer', min: 1, max: 10 },
    Dbl: { type: 'double' },
    Bool: { type: 'boolean' },
    Blob: { type: 'blob' },
    Str: { type: 'string' },
    List: { type: 'list', member: { shape: 'Str' } },
    Map: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
  },
};

describe('JSON protocol codec', () => {
  it('decodes members as the model types them, ignoring unknown members and nulls', () => {
    const input = decodeJsonInput(SM, 'CreateSecret', JSON.stringify({ Name: 'n', SecretBinary: Buffer.from([0, 255, 7]).toString('base64'), Unknown: { deep: 1 }, Description: null, Tags: [{ Key: 'k', Value: 'v' }] }));
    assert.equal(input['Name'], 'n');
    assert.deepEqual([...(input['SecretBinary'] as Buffer)], [0, 255, 7]);
    assert.ok(!('Unknown' in input) && !('Description' in input));
    assert.deepEqual(input['Tags'], [{ Key: 'k', Value: 'v' }]);
    const t = decodeJsonInput(TYPES, 'Op', '{"When": 1700000000.123, "Count": 3, "Ratio": 0.5, "Flag": false, "Labels": {"a": "b"}}');
    assert.equal((t['When'] as Date).toISOString(), '2023-11-14T22:13:20.123Z');
    assert.equal(t['Count'], 3);
    assert.equal(t['Ratio'], 0.5);
    assert.equal(t['Flag'], false);
    assert.deepEqual({ ...(t['Labels'] as object) }, { a: 'b' });
    assert.deepEqual(decodeJsonInput(SM, 'ListSecrets', ''), {}, 'an empty body is an empty input');
  });

  it('keeps "__proto__" an ordinary map key', () => {
    const t = decodeJsonInput(TYPES, 'Op', '{"Labels": {"__proto__": "x", "a": "b"}}');
    const labels = t['Labels'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(labels), ['__proto__', 'a']);
    assert.equal(labels['__proto__'], 'x');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
    assert.equal(encodeJsonOutput(TYPES, 'Op', { Labels: labels }), '{"Labels":{"__proto__":"x","a":"b"}}');
  });

  it('answers SerializationException for bodies that are not JSON or values of the wrong type', () => {
    fails(() => decodeJsonInput(SM, 'GetSecretValue', '{"SecretId": '), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'GetSecretValue', '[]'), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'GetSecretValue', '{"SecretId": 5}'), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'ListSecrets', '{"MaxResults": "5"}'), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'ListSecrets', '{"MaxResults": 1.5}'), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'ListSecrets', '{"Filters": {"Key": "name"}}'), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'DeleteSecret', '{"SecretId": "s", "ForceDeleteWithoutRecovery": "true"}'), 'SerializationException');
    fails(() => decodeJsonInput(SM, 'CreateSecret', '{"Name": "s", "SecretBinary": "not base64!"}'), 'SerializationException');
    fails(() => decodeJsonInput(TYPES, 'Op', '{"When": "2020-01-01"}'), 'SerializationException');
  });

  it('reports every constraint failure in one ValidationException, sensitive values left out', () => {
    fails(() => decodeJsonInput(SM, 'GetSecretValue', '{}'), 'ValidationException', "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null");
    const long = 'x'.repeat(513);
    fails(
      () => decodeJsonInput(SM, 'CreateSecret', JSON.stringify({ Name: long, SecretString: 'y'.repeat(65537), ClientRequestToken: 'short' })),
      'ValidationException',
      `3 validation errors detected: Value 'short' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32; ` +
        `Value '${long}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512; ` +
        "Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
    fails(
      () => decodeJsonInput(SM, 'CreateSecret', JSON.stringify({ Name: 'n', SecretBinary: Buffer.alloc(65537).toString('base64') })),
      'ValidationException',
      "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
    fails(
      () => decodeJsonInput(SM, 'ListSecrets', JSON.stringify({ MaxResults: 101, SortOrder: 'up' })),
      'ValidationException',
      "2 validation errors detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100; Value 'up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]",
    );
    fails(
      () => decodeJsonInput(SM, 'ListSecrets', JSON.stringify({ Filters: [{ Key: 'name', Values: ['ok', 'bad#'] }] })),
      'ValidationException',
      "1 validation error detected: Value at 'filters.1.member.values' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 512, Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$]",
    );
  });

  it('encodes output in model order: timestamps as epoch seconds, blobs in base64, unknown and absent members left out', () => {
    const body = encodeJsonOutput(TYPES, 'Op', { Name: 'n', Extra: 'dropped', When: new Date('2023-11-14T22:13:20.123Z'), Data: Buffer.from([1, 2, 3]), Items: ['a'], Labels: { k: 'v' }, Missing: undefined });
    assert.equal(body, '{"When":1700000000.123,"Data":"AQID","Labels":{"k":"v"},"Items":["a"],"Name":"n"}');
    assert.equal(encodeJsonOutput(SM, 'TagResource', undefined), '{}');
  });

  it('encodes errors as __type and message', () => {
    assert.equal(encodeJsonError(new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")), '{"__type":"ResourceNotFoundException","message":"Secrets Manager can\'t find the specified secret."}');
    assert.equal(encodeJsonError(new AwsError('UnknownOperationException', '')), '{"__type":"UnknownOperationException"}');
  });
});
