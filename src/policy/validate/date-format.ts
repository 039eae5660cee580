/**
 * Which Date condition values IAM accepts ("legacy parsing"). IAM takes W3C/ISO 8601 dates, partial
 * ones included (`2019`, `2019-07`, `2019-07-01T13`), and epoch times that fit a signed 64-bit long.
 * Ranges follow the responses recorded from IAM (see the validation conformance corpus).
 */

const MIN_YEAR = -292275054;
const MAX_YEAR = 292278993;
const MAX_LONG = 9223372036854775807n;

function intIn(s: string | undefined, min: number, max: number): boolean {
  if (s === undefined || !/^[+-]?[0-9]+$/.test(s.trim())) return false;
  const n = Number(s.trim());
  return n >= min && n <= max;
}

export function dateValuePassesLegacyParsing(value: string): boolean {
  const lower = value.toLowerCase();
  if (lower.includes('t') || lower.includes('-')) return isoPasses(lower);
  if (!/^\s*\+?[0-9]+\s*$/.test(value)) return false;
  return BigInt(value.trim()) <= MAX_LONG;
}

function isoPasses(s: string): boolean {
  const t = s.indexOf('t');
  const datePart = t < 0 ? s : s.slice(0, t);
  const timePart = t < 0 ? '' : s.slice(t + 1);
  const negative = datePart.startsWith('-');
  const dateFields = (negative ? datePart.slice(1) : datePart).split('-');
  if (dateFields.length > 3) return false;
  const year = dateFields[0];
  if (!intIn(negative ? `-${year ?? ''}` : year, MIN_YEAR, MAX_YEAR)) return false;
  if (dateFields.length > 1 && !intIn(dateFields[1], 1, 12)) return false;
  if (dateFields.length > 2 && !intIn(dateFields[2], 1, 31)) return false;

  // A zone (`z`, `+hh[:mm]`, `-hh:mm`) may follow whichever time field comes last.
  let time = timePart;
  if (time.endsWith('z')) time = time.slice(0, -1);
  else {
    const zoneAt = Math.max(time.indexOf('+'), time.indexOf('-'));
    if (zoneAt >= 0) {
      const zone = time.slice(zoneAt + 1);
      time = time.slice(0, zoneAt);
      const zc = zone.indexOf(':');
      const zh = zc < 0 ? zone : zone.slice(0, zc);
      if (zh.length !== 2 || !intIn(zh, 0, 23)) return false;
      if (zc >= 0) {
        const zm = zone.slice(zc + 1);
        if (zm.length !== 2 || !intIn(zm, 0, 59)) return false;
      }
    }
  }
  const timeFields = time.split(':');
  if (timeFields.length > 3) return false;
  if (timeFields[0] !== '' && !intIn(timeFields[0], 0, 23)) return false;
  if (timeFields.length > 1 && !intIn(timeFields[1], 0, 59)) return false;
  if (timeFields.length > 2) {
    const seconds = timeFields[2] ?? '';
    const dot = seconds.indexOf('.');
    const whole = dot < 0 ? seconds : seconds.slice(0, dot);
    if (!intIn(whole, 0, 59)) return false;
    if (dot >= 0 && !intIn(seconds.slice(dot + 1), 0, 999999999)) return false;
  }
  return true;
}
