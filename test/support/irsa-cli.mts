// Runs the `irsa` command from source (tests must not depend on a stale build).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
