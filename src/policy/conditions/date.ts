import { parsedValues } from '../context.js';
import { compareEach } from './numeric.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * Date operators. A date is W3C/ISO 8601 (`2024-01-02T03:04:05Z`, partial forms and offsets
 * allowed) or epoch time in seconds ("Condition operators" › Date). Both sides are compared in
 * milliseconds, so an epoch value and the same instant in ISO form are equal.
 */
const EPOCH = /^\s*[+-]?[0-9]+\s*$/;
const ISO =
  /^([+-]?[0-9]{1,9})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?(?:[Tt]([0-9]{1,2})(?::([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]{1,9}))?)?)?)?\s*([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?$/;

export function parseDate(s: string): number {
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = ISO.exec(s.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = sec ? Number(sec) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), month - 1, day);
  t.setUTCHours(hour, minute, second, ms);
  let offset = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return t.getTime() - offset;
}

export function compileDate({ op, values }: FamilyInput): ValueTest {
  const dates = values.map(parseDate).filter((n) => !Number.isNaN(n));
  return compareEach(op.comparison, dates, (v) => parsedValues(v, 'date', parseDate));
}
