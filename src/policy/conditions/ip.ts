import { parsedValues } from '../context.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * `IpAddress` / `NotIpAddress`: IPv4 or IPv6 CIDR ranges (RFC 4632, RFC 4291). A bare address means
 * a single host (`/32`, `/128`). Policy variables are not allowed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 */
export interface IpAddr {
  readonly v6: boolean;
  readonly value: bigint;
}

interface Cidr {
  readonly v6: boolean;
  readonly network: bigint;
  readonly mask: bigint;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(s: string): bigint | undefined {
  const m = V4.exec(s);
  if (!m) return undefined;
  let n = 0n;
  for (let k = 1; k <= 4; k++) {
    const part = m[k] as string;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const b = Number(part);
    if (b > 255) return undefined;
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (x: string): string[] => (x === '' ? [] : x.split(':'));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) n = (n & ~0xffffffffn) | tailV4;
  return n;
}

export function parseIp(s: string): IpAddr | undefined {
  const t = s.trim();
  const v4 = parseV4(t);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = t.includes(':') ? parseV6(t) : undefined;
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const width = addr.v6 ? 128 : 32;
  const lenText = slash < 0 ? String(width) : s.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > width) return undefined;
  const all = (1n << BigInt(width)) - 1n;
  const mask = len === 0 ? 0n : (all << BigInt(width - len)) & all;
  return { v6: addr.v6, network: addr.value & mask, mask };
}

export function compileIp({ values }: FamilyInput): ValueTest {
  const ranges = values.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  return (v, i) => {
    const a = parsedValues(v, 'ip', parseIp)[i];
    if (!a) return false;
    for (const r of ranges) if (r.v6 === a.v6 && (a.value & r.mask) === r.network) return true;
    return false;
  };
}
