// `irsa up` with a clock a test can move: the server's time is the system time plus an offset
// read from `<data-dir>/clock-offset-ms` whenever the process receives SIGUSR2. Used to let
// session credentials expire without waiting for them. Prints the line startIrsa waits for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/server/app.js';
import { stderrLogger } from '../../src/server/log.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: irsa-clock.mts DATA_DIR');
let offset = 0;
process.on('SIGUSR2', () => {
  offset = Number(readFileSync(join(dataDir, 'clock-offset-ms'), 'utf8'));
  process.stdout.write(`clock offset ${offset}\n`);
});
const server = await startServer({ dataDir, port: 0, oidcPort: 0, kubePort: 0, log: stderrLogger(true), now: () => new Date(Date.now() + offset) });
process.stdout.write(`irsa-local is up\n  AWS endpoint: ${server.url}\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
