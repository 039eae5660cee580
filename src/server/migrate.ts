import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { copySqliteStore, MigrationError, type CopyProgress } from '../store/migrate.js';
import { openPostgresStore } from '../store/postgres.js';
import { dataDir, loadDataKey } from './data-dir.js';

export { MigrationError };

/**
 * `irsa migrate --from sqlite:DIR --to postgres://…`: the embedded installation's documents into
 * an empty PostgreSQL database (src/store/migrate.ts), verbatim and checked. The installation's
 * data key stays out of the database: the replicas are then started with it.
 */
export interface MigrationReport {
  readonly documents: number;
  readonly kinds: number;
  /** S3 object bytes copied from DIR/s3 into the database, under their ids. */
  readonly blobs: number;
  readonly blobBytes: number;
  /** The data key file the PostgreSQL replicas must be given. */
  readonly dataKeyFile: string;
}

export async function migrateToPostgres(fromDir: string, toUrl: string, onProgress?: CopyProgress): Promise<MigrationReport> {
  const dir = dataDir(fromDir);
  if (!existsSync(dir.storeFile)) throw new MigrationError(`no irsa-local store in ${dir.path} (no store.db)`);
  if (!loadDataKey(dir)) throw new MigrationError(`no data key in ${dir.path} (data.key): the documents could not be read without it`);
  const target = await openPostgresStore(toUrl);
  try {
    const copied = await copySqliteStore(dir.storeFile, target, onProgress);
    // S3 object bytes: every committed blob file, under its own id (the copied metadata names it).
    // Blobs no object names are copied too and swept by the replicas' start-up recovery.
    const blobDir = join(dir.path, 's3', 'blobs');
    const blobs = target.blobStore();
    let count = 0;
    let bytes = 0;
    for (const id of existsSync(blobDir) ? readdirSync(blobDir).filter((f) => /^[0-9a-f]{32}$/.test(f)) : []) {
      const staged = await blobs.stage(createReadStream(join(blobDir, id)), { id });
      await staged.commit();
      count++;
      bytes += staged.size;
    }
    return { ...copied, blobs: count, blobBytes: bytes, dataKeyFile: dir.keyFile };
  } finally {
    await target.close();
  }
}
