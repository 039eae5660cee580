import { createHash } from 'node:crypto';
import { validateBucketPolicy } from './access.js';
import { S3Core, num, required, str } from './core.js';
import { s3Errors } from './errors.js';
import { S3_KIND, bucketArn, partScope, type BucketDoc, type PartDoc, type S3Caller, type UploadDoc } from './model.js';
import { checkBucketName } from './names.js';

type Input = Readonly<Record<string, unknown>>;
type Output = Record<string, unknown>;

/** The canonical user id S3 shows as Owner: 64 hex characters, stable per account. */
export function canonicalUserId(account: string): string {
  return createHash('sha256').update(`irsa-local:${account}`).digest('hex');
}

/**
 * Bucket operations. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html and
 * the other bucket-level API pages.
 */
export class BucketOperations {
  constructor(private readonly core: S3Core) {}

  /**
   * Where the bucket is created: a request signed for us-east-1 (the global endpoint) creates it
   * in the LocationConstraint's region, or in us-east-1 when there is none — and naming
   * us-east-1 explicitly is InvalidLocationConstraint; a request signed for another region must
   * name exactly that region (IllegalLocationConstraintException otherwise).
   */
  async createBucket(caller: S3Caller, input: Input, requestRegion: string): Promise<Output> {
    const name = required(input, 'Bucket');
    checkBucketName(name);
    const config = input['CreateBucketConfiguration'] as Input | undefined;
    const constraint = config ? str(config, 'LocationConstraint') : undefined;
    const region = bucketRegion(constraint === 'EU' ? 'eu-west-1' : constraint, requestRegion);
    await this.core.authorize(caller, 's3:CreateBucket', bucketArn(name), undefined);
    const doc: BucketDoc = { name, region, createdAt: this.core.nowIso() };
    const existing = await this.core.write(async (t) => {
      const had = await t.get<BucketDoc>(S3_KIND.bucket, '', name);
      if (had) return had;
      await t.insert(S3_KIND.bucket, '', name, doc);
      return undefined;
    });
    // Every bucket here belongs to the one account, so a taken name is always "owned by you".
    // In us-east-1 S3 keeps its legacy answer: re-creating your own bucket succeeds.
    if (existing && !(existing.region === 'us-east-1' && region === 'us-east-1')) throw s3Errors.bucketAlreadyOwnedByYou(name);
    this.core.policies.drop(name);
    return { Location: `/${name}` };
  }

  async listBuckets(caller: S3Caller, input: Input): Promise<Output> {
    await this.core.authorize(caller, 's3:ListAllMyBuckets', '*', undefined);
    const prefix = str(input, 'Prefix') ?? '';
    const max = num(input, 'MaxBuckets');
    if (max !== undefined && (max < 1 || max > 10000)) throw s3Errors.invalidArgument('Max Buckets must be between 1 and 10000', 'max-buckets', String(max));
    const token = str(input, 'ContinuationToken');
    const after = token === undefined ? undefined : decodeToken(token, 'continuation-token');
    const regionFilter = str(input, 'BucketRegion');
    const all = await this.core.env.store.read((t) => t.list<BucketDoc>(S3_KIND.bucket, '', { prefix, ...(after !== undefined ? { after } : {}) }));
    const wanted = all.map((d) => d.doc).filter((b) => regionFilter === undefined || b.region === regionFilter);
    const page = max === undefined ? wanted : wanted.slice(0, max);
    const more = max !== undefined && wanted.length > max;
    return {
      Buckets: page.map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt), BucketRegion: b.region })),
      Owner: { ID: canonicalUserId(this.core.env.account) },
      ContinuationToken: more ? encodeToken(page[page.length - 1]?.name ?? '') : undefined,
      Prefix: str(input, 'Prefix'),
    };
  }

  async headBucket(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:ListBucket', bucketArn(bucket.name), bucket);
    return { BucketRegion: bucket.region, AccessPointAlias: false };
  }

  async getBucketLocation(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:GetBucketLocation', bucketArn(bucket.name), bucket);
    // us-east-1 buckets have an empty LocationConstraint (GetBucketLocation).
    return { LocationConstraint: bucket.region === 'us-east-1' ? '' : bucket.region };
  }

  /**
   * Deletes an empty bucket. Multipart uploads still in progress are aborted with it, so that no
   * part outlives its bucket.
   */
  async deleteBucket(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:DeleteBucket', bucketArn(bucket.name), bucket);
    const blobs = await this.core.write(async (t) => {
      if ((await t.list(S3_KIND.object, bucket.name, { limit: 1 })).length) throw s3Errors.bucketNotEmpty(bucket.name);
      const ids: string[] = [];
      for (const u of await t.list<UploadDoc>(S3_KIND.upload, bucket.name)) {
        const scope = partScope(bucket.name, u.doc.uploadId);
        for (const p of await t.list<PartDoc>(S3_KIND.part, scope)) ids.push(p.doc.blob);
        await t.deleteScope(S3_KIND.part, scope);
      }
      await t.deleteScope(S3_KIND.upload, bucket.name);
      await t.delete(S3_KIND.bucket, '', bucket.name);
      return ids;
    });
    this.core.policies.drop(bucket.name);
    await this.core.env.blobs.remove(blobs);
    return {};
  }

  async putBucketPolicy(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:PutBucketPolicy', bucketArn(bucket.name), bucket);
    const text = str(input, 'Policy') ?? '';
    validateBucketPolicy(bucket.name, text, this.core.env.catalog);
    await this.update(bucket.name, (b) => ({ ...b, policy: text }));
    return {};
  }

  async getBucketPolicy(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:GetBucketPolicy', bucketArn(bucket.name), bucket);
    if (bucket.policy === undefined) throw s3Errors.noSuchBucketPolicy(bucket.name);
    return { Policy: bucket.policy };
  }

  async deleteBucketPolicy(caller: S3Caller, input: Input): Promise<Output> {
    const bucket = await this.core.requireBucket(required(input, 'Bucket'));
    await this.core.authorize(caller, 's3:DeleteBucketPolicy', bucketArn(bucket.name), bucket);
    await this.update(bucket.name, (b) => {
      const { policy: _dropped, ...rest } = b;
      return rest;
    });
    return {};
  }

  private async update(name: string, change: (b: BucketDoc) => BucketDoc): Promise<void> {
    await this.core.write(async (t) => {
      const b = await t.get<BucketDoc>(S3_KIND.bucket, '', name);
      if (!b) throw s3Errors.noSuchBucket(name);
      await t.put(S3_KIND.bucket, '', name, change(b));
    });
    this.core.policies.drop(name);
  }
}

/** AWS region names (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function bucketRegion(constraint: string | undefined, requestRegion: string): string {
  if (constraint !== undefined && constraint !== '' && !REGION.test(constraint)) throw s3Errors.invalidLocationConstraint(constraint);
  if (requestRegion === 'us-east-1') {
    if (constraint === 'us-east-1') throw s3Errors.invalidLocationConstraint(constraint);
    return constraint || 'us-east-1';
  }
  if (!constraint) throw s3Errors.illegalLocationConstraint(undefined);
  if (constraint !== requestRegion) throw s3Errors.illegalLocationConstraint(constraint);
  return constraint;
}

/** Continuation tokens are opaque to clients: base64 of where the listing goes on. */
export function encodeToken(after: string): string {
  return Buffer.from(`v1:${after}`, 'utf8').toString('base64');
}

export function decodeToken(token: string, argument: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith('v1:') || Buffer.from(text, 'utf8').toString('base64') !== token) {
    throw s3Errors.invalidArgument('The continuation token provided is incorrect', argument, token);
  }
  return text.slice(3);
}
