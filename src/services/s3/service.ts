import { BucketOperations } from './buckets.js';
import { S3Core } from './core.js';
import { Listing } from './listing.js';
import { S3_KIND, partScope, type BucketDoc, type ObjectDoc, type PartDoc, type S3Env, type UploadDoc } from './model.js';
import { MultipartOperations } from './multipart.js';
import { ObjectOperations } from './objects.js';

/**
 * The S3 domain: buckets, objects, listings and multipart uploads over the document store and
 * the blob store. HTTP, signatures and XML are the adapter's (server/s3-endpoint.ts).
 */
export class S3Service {
  readonly core: S3Core;
  readonly buckets: BucketOperations;
  readonly objects: ObjectOperations;
  readonly listing: Listing;
  readonly multipart: MultipartOperations;

  constructor(env: S3Env) {
    this.core = new S3Core(env);
    this.buckets = new BucketOperations(this.core);
    this.objects = new ObjectOperations(this.core);
    this.listing = new Listing(this.core);
    this.multipart = new MultipartOperations(this.core, this.objects);
  }

  /**
   * Startup recovery (before the first request): removes temporary files left by interrupted
   * uploads and blobs no metadata names — written but never committed when the process died, or
   * replaced by a commit whose cleanup did not run.
   */
  async recover(): Promise<{ blobs: number; temporary: number }> {
    const live = new Set<string>();
    await this.core.env.store.read(async (t) => {
      for (const { doc: b } of await t.list<BucketDoc>(S3_KIND.bucket, '')) {
        for (const { doc: o } of await t.list<ObjectDoc>(S3_KIND.object, b.name)) for (const s of o.segments) live.add(s.id);
        for (const { doc: u } of await t.list<UploadDoc>(S3_KIND.upload, b.name)) {
          for (const { doc: p } of await t.list<PartDoc>(S3_KIND.part, partScope(b.name, u.uploadId))) live.add(p.blob);
        }
      }
    });
    return this.core.env.blobs.sweep((id) => live.has(id));
  }
}
