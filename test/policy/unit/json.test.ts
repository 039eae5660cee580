import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, parseJson } from '../../../src/policy/json.js';

describe('strict policy JSON reader', () => {
  it('reads what JSON.parse reads, keeping key order', () => {
    const text = '{"b":[1,-2.5e3,true,false,null,"x\\u00e9\\n"],"a":{"c":{}}}';
    assert.equal(JSON.stringify(parseJson(text)), JSON.stringify(JSON.parse(text)));
    assert.deepEqual(Object.keys(parseJson(text) as object), ['b', 'a']);
  });
  it('rejects duplicate keys, which IAM rejects', () => {
    assert.throws(() => parseJson('{"Statement":1,"Statement":2}'), JsonSyntaxError);
    assert.throws(() => parseJson('{"a":{"x":1,"x":1}}'), /duplicate key "x"/);
  });
  it('rejects malformed JSON and unbounded nesting', () => {
    for (const bad of ['', '{', '{"a":1,}', '[1 2]', '"\\x"', 'tru', '{"a":1} x', '01']) assert.throws(() => parseJson(bad), JsonSyntaxError, bad);
    assert.throws(() => parseJson('['.repeat(100) + ']'.repeat(100)), /nested too deeply/);
  });
  it('keeps __proto__ as plain data', () => {
    const v = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(JSON.stringify(v['__proto__']), '{"polluted":true}');
  });
});
