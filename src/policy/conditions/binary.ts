import { parsedValues } from '../context.js';
import type { FamilyInput, ValueTest } from './value-test.js';

/**
 * `BinaryEquals`: the policy holds base64; the request value is binary, given base64-encoded.
 * Compared byte for byte after decoding both, so padding and line breaks do not matter.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Map([...ALPHABET].map((c, i) => [c, i] as const));

/** Decodes base64 to a string of byte values (one char per byte); undefined when invalid. */
export function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/[\s]/g, '').replace(/=+$/, '');
  if (clean.length % 4 === 1) return undefined;
  let out = '';
  let buf = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = LOOKUP.get(ch);
    if (v === undefined) return undefined;
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buf >> bits) & 0xff);
    }
  }
  return out;
}

export function compileBinary({ values }: FamilyInput): ValueTest {
  const decoded = new Set(values.map(decodeBase64).filter((x): x is string => x !== undefined));
  return (v, i) => {
    const b = parsedValues(v, 'bin', decodeBase64)[i];
    return b !== undefined && decoded.has(b);
  };
}
