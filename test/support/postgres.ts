import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server for the store tests.
 *
 * - IRSA_PG_URL set: that server is used; a fresh database is created on it for the run (and
 *   dropped after) when the role may create databases, else the database in the URL is used.
 * - Otherwise a throwaway server is started: `initdb` (trust auth) into a temp dir, `pg_ctl start`
 *   on a free loopback port with its socket in that dir and fsync off, one database created;
 *   `stop()` stops it and removes the dir. As root (initdb refuses root) the server runs as the
 *   `postgres` user, or `nobody`, through runuser (or su).
 * - No server binaries (initdb, pg_ctl on PATH or in /usr/lib/postgresql/<version>/bin) and no
 *   IRSA_PG_URL: resolves `{ skip }` with the reason, unless IRSA_PG_REQUIRED=1 (CI), where that
 *   is an error. Any other failure to start is an error, never a skip.
 */
export interface TestPostgres {
  readonly url: string;
  /** How the server was provided, for test output. */
  readonly how: string;
  stop(): Promise<void>;
  /**
   * Stops the server (fast shutdown: clients are disconnected) and starts it again on the same
   * port and data: for tests of what replicas do while the database is away. Only for the
   * throwaway server (undefined with IRSA_PG_URL).
   */
  readonly halt?: () => Promise<void>;
  readonly resume?: () => Promise<void>;
}

export type TestPostgresOrSkip = TestPostgres | { readonly skip: string };

export async function startTestPostgres(): Promise<TestPostgresOrSkip> {
  const external = process.env['IRSA_PG_URL'];
  if (external) return useExternal(external);
  const bin = findServerBinaries();
  if (!bin) {
    const reason = 'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin, and IRSA_PG_URL is not set';
    if (process.env['IRSA_PG_REQUIRED'] === '1') throw new Error(`${reason} (IRSA_PG_REQUIRED=1)`);
    return { skip: reason };
  }
  return startThrowaway(bin);
}

async function useExternal(url: string): Promise<TestPostgres> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined; // key=value form: use it as it is
  }
  if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol)) return { url, how: 'IRSA_PG_URL', stop: async () => undefined };
  const name = `irsa_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    await admin.end();
    return { url, how: 'IRSA_PG_URL (its own database: no CREATEDB)', stop: async () => undefined };
  }
  await admin.end();
  const mine = new URL(url);
  mine.pathname = `/${name}`;
  return {
    url: mine.toString(),
    how: `IRSA_PG_URL, database ${name}`,
    stop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

interface Binaries {
  readonly initdb: string;
  readonly pgCtl: string;
}

/** initdb and pg_ctl from one installation: PATH first, then Debian's /usr/lib/postgresql/<v>/bin. */
export function findServerBinaries(): Binaries | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  for (const d of dirs) {
    const initdb = join(d, 'initdb');
    if (!existsSync(initdb)) continue;
    const real = dirname(realpathSync(initdb));
    const pgCtl = join(real, 'pg_ctl');
    if (existsSync(pgCtl) && existsSync(join(real, 'postgres'))) return { initdb: join(real, 'initdb'), pgCtl };
  }
  return undefined;
}

/** Runs a server program, as an unprivileged user when this process is root. */
interface Runner {
  readonly user: string | undefined;
  argv(cmd: string, args: readonly string[]): [string, string[]];
}

function runner(): Runner {
  if (process.getuid?.() !== 0) return { user: undefined, argv: (cmd, args) => [cmd, [...args]] };
  const user = ['postgres', 'nobody'].find((u) => spawnSync('id', ['-u', u]).status === 0);
  if (!user) throw new Error('running as root, and neither a postgres nor a nobody user exists to run initdb/pg_ctl as');
  if (which('runuser')) return { user, argv: (cmd, args) => ['runuser', ['-u', user, '--', cmd, ...args]] };
  if (which('su')) return { user, argv: (cmd, args) => ['su', ['-s', '/bin/sh', user, '-c', [cmd, ...args].map(shellQuote).join(' ')]] };
  throw new Error(`running as root and neither runuser nor su is available to run initdb/pg_ctl as ${user}`);
}

function which(cmd: string): boolean {
  return (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).some((d) => existsSync(join(d, cmd)));
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function run(r: Runner, cwd: string, cmd: string, args: readonly string[], timeoutMs: number): Promise<void> {
  const [file, argv] = r.argv(cmd, args);
  return new Promise((resolve, reject) => {
    // pg_ctl gets -l, so the server never holds these pipes open.
    execFile(file, argv, { cwd, timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startThrowaway(bin: Binaries): Promise<TestPostgres> {
  const r = runner();
  const dir = mkdtempSync(join(tmpdir(), 'irsa-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (r.user) {
    const uid = Number(execFileSync('id', ['-u', r.user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', r.user], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  let started = false;
  const stopSync = (): void => {
    if (started) {
      const [file, argv] = r.argv(bin.pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w']);
      spawnSync(file, argv, { cwd: dir, stdio: 'ignore', timeout: 30_000 });
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed or interrupted test process still stops its server.
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSync();
    process.kill(process.pid, signal);
  };
  const unhook = (): void => {
    process.removeListener('exit', stopSync);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  process.once('exit', stopSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run(r, dir, bin.initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], 120_000);
    let port = 0;
    let opts = '';
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      opts = [
        `-k ${dir}`,
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c deadlock_timeout=100ms',
      ].join(' ');
      try {
        await run(r, dir, bin.pgCtl, ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', opts], 90_000);
        started = true;
        break;
      } catch (e) {
        // Another process may have taken the port between probing and binding: try another.
        if (attempt >= 3) throw new Error(`${(e as Error).message}\n--- server log ---\n${tail(log)}`);
      }
    }
    const base = `postgres://postgres@127.0.0.1:${port}`;
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE irsa_test');
    } finally {
      await admin.end();
    }
    return {
      url: `${base}/irsa_test`,
      how: `throwaway server ${bin.pgCtl} on 127.0.0.1:${port}${r.user ? ` as ${r.user}` : ''}`,
      halt: async () => {
        if (!started) return;
        await run(r, dir, bin.pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], 90_000);
        started = false;
      },
      resume: async () => {
        if (started) return;
        await run(r, dir, bin.pgCtl, ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', opts], 90_000);
        started = true;
      },
      stop: async () => {
        unhook();
        try {
          if (started) await run(r, dir, bin.pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], 90_000);
          started = false;
        } finally {
          stopSync();
        }
      },
    };
  } catch (e) {
    unhook();
    stopSync();
    throw e;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
