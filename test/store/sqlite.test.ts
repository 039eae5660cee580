import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runStoreContract } from './contract.js';

// One SQLite file in a temp dir: every open() is the same file, so reopening checks durability.
const dir = mkdtempSync(join(tmpdir(), 'irsa-sqlite-store-'));
const file = join(dir, 'nested', 'store.db');

runStoreContract(
  'sqlite',
  async () => openSqliteStore(file),
  async () => rmSync(dir, { recursive: true, force: true }),
);
