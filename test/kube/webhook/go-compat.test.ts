import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanPath, joinPath, parseGoBool, parseGoDurationMs, parseGoInt64, readFirstCsvRecord } from '../../../src/kube/webhook/go-compat.js';

describe('Go parsers the webhook depends on', () => {
  it('strconv.ParseBool', () => {
    for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(s), true, s);
    for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(s), false, s);
    for (const s of ['', 'yes', 'tRUE', ' true', 'on']) assert.equal(parseGoBool(s), undefined, s);
  });

  it('strconv.ParseInt(s, 10, 64)', () => {
    assert.equal(parseGoInt64('3600'), 3600);
    assert.equal(parseGoInt64('+5'), 5);
    assert.equal(parseGoInt64('-1'), -1);
    assert.equal(parseGoInt64('0'), 0);
    assert.equal(parseGoInt64('9223372036854775807'), 9223372036854775807);
    for (const s of ['', ' 1', '1h', '1_000', '0x10', '9223372036854775808', '1.5']) assert.equal(parseGoInt64(s), undefined, s);
  });

  it('encoding/csv first record: no trimming, quotes, empty means EOF', () => {
    assert.deepEqual(readFirstCsvRecord('sidecar'), ['sidecar']);
    assert.deepEqual(readFirstCsvRecord('a,b'), ['a', 'b']);
    assert.deepEqual(readFirstCsvRecord('a, b'), ['a', ' b']);
    assert.deepEqual(readFirstCsvRecord('a,,b'), ['a', '', 'b']);
    assert.deepEqual(readFirstCsvRecord('"a,b",c'), ['a,b', 'c']);
    assert.deepEqual(readFirstCsvRecord('"say ""hi"""'), ['say "hi"']);
    assert.deepEqual(readFirstCsvRecord('a\nb'), ['a'], 'only the first record');
    assert.deepEqual(readFirstCsvRecord('\n\nx'), ['x'], 'empty lines are skipped');
    assert.deepEqual(readFirstCsvRecord('"multi\nline",z'), ['multi\nline', 'z']);
    assert.deepEqual(readFirstCsvRecord('a\r\n'), ['a']);
    assert.equal(readFirstCsvRecord(''), undefined);
    assert.equal(readFirstCsvRecord('a"b'), undefined, 'bare quote');
    assert.equal(readFirstCsvRecord('"a"b'), undefined, 'extraneous character after a quote');
    assert.equal(readFirstCsvRecord('"open'), undefined, 'unterminated quote');
  });

  it('path.Clean and filepath.Join', () => {
    assert.equal(cleanPath('/var//run/./x/../y/'), '/var/run/y');
    assert.equal(cleanPath('/../a'), '/a');
    assert.equal(cleanPath('a/../..'), '..');
    assert.equal(cleanPath(''), '.');
    assert.equal(joinPath('/var/run/secrets/eks.amazonaws.com/serviceaccount', 'token'), '/var/run/secrets/eks.amazonaws.com/serviceaccount/token');
    assert.equal(joinPath('/mnt/', 'token'), '/mnt/token');
    assert.equal(joinPath('/mnt', '../token'), '/token');
    assert.equal(joinPath('', ''), '');
  });

  it('time.ParseDuration', () => {
    assert.equal(parseGoDurationMs('0'), 0);
    assert.equal(parseGoDurationMs('100ms'), 100);
    assert.equal(parseGoDurationMs('1m30s'), 90_000);
    assert.equal(parseGoDurationMs('1.5s'), 1500);
    assert.equal(parseGoDurationMs('2h'), 7_200_000);
    for (const s of ['', '100', '1d', 'ms', '1s2']) assert.equal(parseGoDurationMs(s), undefined, s);
  });
});
