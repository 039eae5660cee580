/**
 * Amazon Resource Names: `arn:partition:service:region:account-id:resource`.
 * The resource part may itself contain colons and slashes.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** Partitions IAM knows (aws, China, GovCloud, ISO regions, EU sovereign cloud). */
export const PARTITIONS: ReadonlySet<string> = new Set([
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
]);

/**
 * Splits `s` into its six ARN segments (the first is the literal `arn`).
 * Returns undefined when `s` has fewer than five colons.
 */
export function splitArn(s: string): [string, string, string, string, string, string] | undefined {
  const c1 = s.indexOf(':');
  if (c1 < 0) return undefined;
  const c2 = s.indexOf(':', c1 + 1);
  if (c2 < 0) return undefined;
  const c3 = s.indexOf(':', c2 + 1);
  if (c3 < 0) return undefined;
  const c4 = s.indexOf(':', c3 + 1);
  if (c4 < 0) return undefined;
  const c5 = s.indexOf(':', c4 + 1);
  if (c5 < 0) return undefined;
  return [
    s.slice(0, c1),
    s.slice(c1 + 1, c2),
    s.slice(c2 + 1, c3),
    s.slice(c3 + 1, c4),
    s.slice(c4 + 1, c5),
    s.slice(c5 + 1),
  ];
}

/** Parses an ARN; undefined unless it starts with `arn:` and has all six segments. */
export function parseArn(s: string): Arn | undefined {
  const parts = splitArn(s);
  if (!parts || parts[0] !== 'arn') return undefined;
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5] };
}

export function formatArn(a: Arn): string {
  return `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.resource}`;
}

/** True for a 12-digit AWS account id. */
export function isAccountId(s: string): boolean {
  return s.length === 12 && /^[0-9]{12}$/.test(s);
}
