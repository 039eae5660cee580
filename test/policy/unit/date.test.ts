import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDate } from '../../../src/policy/conditions/date.js';
import { dateValuePassesLegacyParsing } from '../../../src/policy/validate/date-format.js';

describe('Date values ("Condition operators" › Date: ISO 8601 or epoch seconds)', () => {
  it('reads ISO forms, partial ones and offsets, in milliseconds', () => {
    assert.equal(parseDate('2020-01-01T00:00:00Z'), Date.UTC(2020, 0, 1));
    assert.equal(parseDate('2020-01-01'), Date.UTC(2020, 0, 1));
    assert.equal(parseDate('2014-11-30T12:00Z'), Date.UTC(2014, 10, 30, 12));
    assert.equal(parseDate('2020-01-01T02:00:00+02:00'), Date.UTC(2020, 0, 1));
    assert.equal(parseDate('2020-01-01T00:00:00.250Z'), Date.UTC(2020, 0, 1) + 250);
    assert.equal(parseDate('2016-12-13T21:20:37.593194+00:00'), Date.UTC(2016, 11, 13, 21, 20, 37, 593));
  });
  it('reads epoch time as seconds, equal to the same instant in ISO form', () => {
    assert.equal(parseDate('1577836800'), parseDate('2020-01-01T00:00:00Z'));
    assert.equal(parseDate('0'), 0);
    // Digits alone are epoch seconds, as IAM's parser reads them (no `t`, no `-`).
    assert.equal(parseDate('2020'), 2020_000);
  });
  it('rejects what is not a date', () => {
    for (const bad of ['sdfdsf', '2020-13-01', '2020-01-01T25:00:00Z', '', 'T12']) assert.ok(Number.isNaN(parseDate(bad)), bad);
  });
  it('accepts in policies what IAM accepts', () => {
    for (const ok of ['2019-07-01T13:20:15Z', '2016-12-13t2:00:00.593194+23', '-292275054', '01T', '2014-11-30T12:00Z', '1700000000']) assert.ok(dateValuePassesLegacyParsing(ok), ok);
    for (const bad of ['234-13', '2016-12-13t2:00:00.593194+1', '9223372036854775808', 'sdfdsf']) assert.ok(!dateValuePassesLegacyParsing(bad), bad);
  });
});
