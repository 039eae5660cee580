import { PolicyError, compilePolicy, PolicySet, validatePolicy, type PolicyDocument } from '../../policy/index.js';
import { compileGlob } from '../../policy/wildcard.js';
import type { ActionCatalog } from '../../policy/catalog.js';
import { s3Errors } from './errors.js';
import { type BucketDoc, type ContextEntry } from './model.js';

/**
 * Which IAM action each S3 operation needs, on which resource, with which condition keys — as
 * the Service Authorization Reference lists them ("Actions, resources, and condition keys for
 * Amazon S3"; and "Required permissions for Amazon S3 API operations"):
 * object operations act on `arn:aws:s3:::bucket/key`, bucket operations on `arn:aws:s3:::bucket`,
 * ListBuckets (s3:ListAllMyBuckets) on no resource. Multipart parts and completion are
 * s3:PutObject; HeadObject is s3:GetObject; HeadBucket is s3:ListBucket; DeleteObjects is
 * s3:DeleteObject for each key; CopyObject is s3:GetObject on the source and s3:PutObject on the
 * target.
 */
export const OPERATION_ACTIONS = {
  ListBuckets: 's3:ListAllMyBuckets',
  CreateBucket: 's3:CreateBucket',
  HeadBucket: 's3:ListBucket',
  DeleteBucket: 's3:DeleteBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
  CopyObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListParts: 's3:ListMultipartUploadParts',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  PutBucketPolicy: 's3:PutBucketPolicy',
  GetBucketPolicy: 's3:GetBucketPolicy',
  DeleteBucketPolicy: 's3:DeleteBucketPolicy',
} as const;

export type S3Operation = keyof typeof OPERATION_ACTIONS;

/** s3:prefix, s3:delimiter and s3:max-keys, which S3 supplies for s3:ListBucket. */
export function listContext(prefix: string | undefined, delimiter: string | undefined, maxKeys: number | undefined): ContextEntry[] {
  const out: ContextEntry[] = [];
  // S3 sets s3:prefix to "" when none is given, so `StringEquals s3:prefix ""` matches a root listing.
  out.push({ key: 's3:prefix', values: [prefix ?? ''] });
  if (delimiter !== undefined) out.push({ key: 's3:delimiter', values: [delimiter] });
  if (maxKeys !== undefined) out.push({ key: 's3:max-keys', values: [String(maxKeys)], type: 'numeric' });
  return out;
}

/** Keys from request headers that s3:PutObject supports. */
export function putObjectContext(headers: { acl?: string | undefined; sse?: string | undefined; storageClass?: string | undefined; copySource?: string | undefined; metadataDirective?: string | undefined }): ContextEntry[] {
  const out: ContextEntry[] = [];
  if (headers.acl !== undefined) out.push({ key: 's3:x-amz-acl', values: [headers.acl] });
  if (headers.sse !== undefined) out.push({ key: 's3:x-amz-server-side-encryption', values: [headers.sse] });
  if (headers.storageClass !== undefined) out.push({ key: 's3:x-amz-storage-class', values: [headers.storageClass] });
  if (headers.copySource !== undefined) out.push({ key: 's3:x-amz-copy-source', values: [headers.copySource] });
  if (headers.metadataDirective !== undefined) out.push({ key: 's3:x-amz-metadata-directive', values: [headers.metadataDirective] });
  return out;
}

// ---- bucket policies ------------------------------------------------------------------------

/** S3 accepts bucket policies up to 20 KB ("Bucket policy examples": "policy size limit 20 KB"). */
export const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

/**
 * Validates a bucket policy as S3 does: a resource-based policy (Principal required) whose
 * resources are this bucket or objects in it and whose actions are S3's and apply to those
 * resources. Messages are S3's MalformedPolicy texts.
 */
export function validateBucketPolicy(bucket: string, text: string, catalog: ActionCatalog): PolicyDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_BUCKET_POLICY_BYTES) throw s3Errors.malformedPolicy('Policies must be less than 20 KB in size');
  if (!text.trimStart().startsWith('{')) throw s3Errors.malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  let doc: PolicyDocument;
  try {
    doc = validatePolicy(text, 'resource', { sizeQuota: null });
  } catch (e) {
    if (e instanceof PolicyError) throw s3Errors.malformedPolicy(s3PolicyMessage(e.message));
    throw e;
  }
  const bucketArn = `arn:aws:s3:::${bucket}`;
  for (const st of doc.statements) {
    const resources = st.resource ?? st.notResource;
    if (!resources?.length) throw s3Errors.malformedPolicy('Missing required field Resource');
    for (const r of resources) {
      if (r !== bucketArn && !r.startsWith(`${bucketArn}/`) && !(r.endsWith('*') && bucketArn.startsWith(r.slice(0, -1)))) {
        throw s3Errors.malformedPolicy('Policy has invalid resource');
      }
    }
    const actions = st.action ?? st.notAction ?? [];
    for (const a of actions) {
      if (a !== '*' && !a.toLowerCase().startsWith('s3:')) throw s3Errors.malformedPolicy('Policy has invalid action');
    }
    if (st.action && st.resource && !actionsApply(st.action, st.resource, catalog)) {
      throw s3Errors.malformedPolicy('Action does not apply to any resource(s) in statement');
    }
    if (st.principal && st.principal !== '*') {
      for (const v of st.principal.AWS ?? []) if (!validAwsPrincipal(v)) throw s3Errors.malformedPolicy('Invalid principal in policy');
    }
  }
  return doc;
}

function validAwsPrincipal(v: string): boolean {
  return v === '*' || /^\d{12}$/.test(v) || /^arn:aws:(iam|sts)::\d{12}:.+/.test(v);
}

function s3PolicyMessage(iamMessage: string): string {
  switch (iamMessage) {
    case 'Syntax errors in policy.':
      return 'This policy contains invalid Json';
    case 'Missing required field Principal':
      return 'Missing required field Principal';
    case 'Policy statement must contain actions.':
      return 'Missing required field Action';
    default:
      return iamMessage.startsWith('Actions/Condition') || iamMessage.startsWith('Invalid Action') ? 'Policy has invalid action' : iamMessage;
  }
}

/** True when some listed action has a resource type (bucket or object) that some listed resource is. */
function actionsApply(actions: readonly string[], resources: readonly string[], catalog: ActionCatalog): boolean {
  const kinds = new Set<string>(resources.map((r) => (r.includes('/') ? 'object' : r.endsWith('*') ? 'any' : 'bucket')));
  if (kinds.has('any')) return true;
  for (const pattern of actions) {
    if (pattern === '*' || pattern.toLowerCase() === 's3:*') return true;
    const name = pattern.slice(pattern.indexOf(':') + 1);
    const matcher = compileGlob(name.toLowerCase());
    for (const candidate of catalog.actionNames('s3')) {
      if (!matcher(candidate.toLowerCase())) continue;
      const info = catalog.action('s3', candidate);
      for (const rt of info?.resourceTypes ?? []) if (kinds.has(rt.name)) return true;
    }
  }
  return false;
}

/**
 * Compiled bucket policies, keyed by bucket and text: a policy is compiled once, not per request.
 * Bounded; a changed policy has a different text and replaces the entry.
 */
export class BucketPolicyCache {
  private readonly map = new Map<string, { text: string; set: PolicySet }>();

  constructor(private readonly max = 1024) {}

  forBucket(bucket: BucketDoc): PolicySet | undefined {
    if (bucket.policy === undefined) return undefined;
    const hit = this.map.get(bucket.name);
    if (hit && hit.text === bucket.policy) return hit.set;
    const doc = validatePolicy(bucket.policy, 'resource', { sizeQuota: null });
    const set = new PolicySet([compilePolicy(doc, 'resource', `bucket-policy:${bucket.name}`)]);
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(bucket.name, { text: bucket.policy, set });
    return set;
  }

  drop(bucket: string): void {
    this.map.delete(bucket);
  }
}
