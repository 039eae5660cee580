import type { Shape } from './model.js';

/**
 * AWS's model-constraint messages, as services render them:
 *   1 validation error detected: Value 'x' at 'roleName' failed to satisfy constraint: Member
 *   must have length less than or equal to 64
 */
const patternCache = new Map<string, RegExp>();

function patternRegExp(p: string): RegExp {
  let re = patternCache.get(p);
  if (!re) {
    // Java-style `\u10000` (five hex digits) is a code point beyond the BMP. Java also lets any
    // punctuation be escaped (`\!`, `\=`), which a `u` RegExp refuses: write those as code points.
    const js = p
      .replace(/\\u(1[0-9A-Fa-f]{4})/g, '\\u{$1}')
      .replace(/\\([^A-Za-z0-9])/gu, (_, c: string) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`);
    re = new RegExp(`^(?:${js})$`, 'u');
    patternCache.set(p, re);
  }
  return re;
}

/** Length in code points, as AWS counts it, without building an array. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The constraint texts a value breaks (empty when it satisfies the shape). */
export function constraintFailures(shape: Shape, value: unknown): string[] {
  const out: string[] = [];
  if (shape.type === 'string' && typeof value === 'string') {
    const len = codePoints(value);
    if (shape.max !== undefined && len > shape.max) out.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.min !== undefined && len < shape.min) out.push(`Member must have length greater than or equal to ${shape.min}`);
    if (shape.pattern !== undefined && !patternRegExp(shape.pattern).test(value)) out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    if (shape.enum && !shape.enum.includes(value)) out.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  } else if ((shape.type === 'integer' || shape.type === 'long' || shape.type === 'float' || shape.type === 'double') && typeof value === 'number') {
    if (shape.max !== undefined && value > shape.max) out.push(`Member must have value less than or equal to ${shape.max}`);
    if (shape.min !== undefined && value < shape.min) out.push(`Member must have value greater than or equal to ${shape.min}`);
  } else if ((shape.type === 'list' || shape.type === 'map') && Array.isArray(value)) {
    if (shape.max !== undefined && value.length > shape.max) out.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.min !== undefined && value.length < shape.min) out.push(`Member must have length greater than or equal to ${shape.min}`);
  }
  return out;
}

/** All the constraints a shape states, max before min, as AWS lists them for list members. */
export function describeConstraints(shape: Shape): string[] {
  const out: string[] = [];
  if (shape.max !== undefined) out.push(`Member must have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined) out.push(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.pattern !== undefined) out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  return out;
}
