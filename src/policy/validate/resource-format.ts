import { PARTITIONS } from '../../arn/arn.js';

/**
 * IAM's checks of Resource/NotResource values, with the messages IAM returns. The behaviour
 * (which value is reported, how a short ARN is expanded with `*` in the message) follows the
 * responses recorded from IAM in moto's test suite (`../shared/conformance/iam-policy-validation`).
 */

/** Services whose ARNs must leave the region empty, with IAM's message for each. */
const NO_REGION: Readonly<Record<string, { message: (r: string) => string; allowedPrefixes: readonly string[] }>> = {
  iam: { message: (r) => `IAM resource ${r} cannot contain region information.`, allowedPrefixes: [] },
  // S3 access points are regional; buckets and objects are not.
  s3: { message: (r) => `Resource ${r} can not contain region information.`, allowedPrefixes: ['accesspoint/'] },
};

const IAM_RESOURCE_TYPES = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
] as const;

const IAM_PATH_MESSAGE = `IAM resource path must either be "*" or start with ${IAM_RESOURCE_TYPES.join(', ')}.`;

/** Returns IAM's error message for `resource`, or undefined when the format is acceptable. */
export function resourceFormatError(resource: string): string | undefined {
  if (resource === '*') return undefined;
  const c0 = resource.indexOf(':');
  if (c0 < 0) return `Resource ${resource} must be in ARN format or "*".`;
  const afterPrefix = resource.slice(c0 + 1);
  const c1 = afterPrefix.indexOf(':');
  const partition = c1 < 0 ? afterPrefix : afterPrefix.slice(0, c1);
  const rest = c1 < 0 ? undefined : afterPrefix.slice(c1 + 1);
  if (partition !== '*' && !PARTITIONS.has(partition)) {
    const parts = rest === undefined ? [''] : rest.split(':');
    const service = parts[0] !== '' || parts.length > 1 ? (parts[0] ?? '*') : '*';
    const region = parts.length > 1 ? parts[1] : '*';
    const account = parts.length > 2 ? parts[2] : '*';
    const id = parts.length > 3 ? parts.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${service}:${region}:${account}:${id}".`;
  }
  if (rest === undefined) return 'Resource vendor must be fully qualified and cannot contain regexes.';
  const c2 = rest.indexOf(':');
  const service = c2 < 0 ? rest : rest.slice(0, c2);
  const afterService = c2 < 0 ? '' : rest.slice(c2 + 1);
  const c3 = afterService.indexOf(':');
  const afterRegion = c3 < 0 ? '' : afterService.slice(c3 + 1);
  const c4 = afterRegion.indexOf(':');
  const resourceId = c4 < 0 ? '' : afterRegion.slice(c4 + 1);
  const noRegion = NO_REGION[service];
  if (noRegion && !afterService.startsWith(':')) {
    if (!noRegion.allowedPrefixes.some((p) => resourceId.startsWith(p))) return noRegion.message(resource);
  }
  if (service === 'iam' && resourceId !== '*' && !IAM_RESOURCE_TYPES.some((p) => resourceId.startsWith(p))) {
    return IAM_PATH_MESSAGE;
  }
  return undefined;
}

/**
 * IAM's "legacy parsing" of a resource value: an ARN that uses `::` must have all six segments,
 * and the service segment must not be empty.
 */
export function resourcePassesLegacyParsing(resource: string): boolean {
  if (resource === '*') return true;
  let colons = 0;
  for (let i = 0; i < resource.length; i++) if (resource.charCodeAt(i) === 0x3a) colons++;
  if (colons < 5 && resource.includes('::')) return false;
  const parts = resource.split(':');
  return parts.length < 3 || parts[2] !== '';
}
