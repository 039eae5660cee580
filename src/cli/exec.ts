/**
 * `irsa exec`: runs a command on this machine as a pod's container would run it, so the real
 * `aws` CLI or boto3 inside gets credentials through STS exactly as on EKS (see docs/exec.md).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { dataDir, defaultDataDir, readState } from '../server/data-dir.js';
import { KubeApiClient, KubeApiError } from '../kube/exec/api-client.js';
import { PodRunnerError } from '../kube/exec/errors.js';
import { startPodSession, type PodSession } from '../kube/exec/pod-session.js';
import { loadPty, runInPod, spawnFailureExitCode, type PodProcess } from '../kube/exec/run.js';
import { ExitError, UsageError } from './errors.js';

const HELP = `Usage: irsa exec [-n NAMESPACE] [-c CONTAINER] [-i] [-t] [--data-dir DIR] POD -- COMMAND [ARG...]

Runs COMMAND on this machine as the pod's container would: with the environment of the (webhook-
mutated) pod spec, AWS_ENDPOINT_URL pointing at irsa-local, and each projected ServiceAccount token
written to a real file (AWS_WEB_IDENTITY_TOKEN_FILE points at it) and refreshed like the kubelet.
The command's exit code is irsa exec's exit code.

  irsa exec -n demo app -- aws sts get-caller-identity
  irsa exec -it -n demo app -- sh

Options:
  -n, --namespace NS      the pod's namespace (default: default)
  -c, --container NAME    the container (default: the kubectl.kubernetes.io/default-container
                          annotation, else the first container)
  -i, --stdin             pass stdin to the command (without it the command's stdin is empty)
  -t, --tty               run on a terminal (with -i, when stdin is a terminal)
  -q, --quiet             no "Defaulted container" notice
  --data-dir DIR          data directory of the running irsa-local (default: $IRSA_DATA_DIR, else ~/.irsa-local)
  --kube-server URL       the Kubernetes API (default: the running server's)
  --endpoint URL          the AWS endpoint (default: the running server's)
  -h, --help              show this help`;

const OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  container: { type: 'string', short: 'c' },
  stdin: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  quiet: { type: 'boolean', short: 'q' },
  'data-dir': { type: 'string' },
  'kube-server': { type: 'string' },
  endpoint: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function parse(argv: string[]): { values: Values; pod: string | undefined; command: string[] } {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (parsed.values.help) return { values: parsed.values, pod: undefined, command: [] };
  if (dash < 0) {
    if (parsed.positionals.length > 1) throw new UsageError(`exec POD COMMAND is not supported: use exec POD -- COMMAND\n\n${HELP}`);
    throw new UsageError(`a command is required after \`--\`\n\n${HELP}`);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`exactly one POD is required before \`--\`\n\n${HELP}`);
  const command = argv.slice(dash + 1);
  if (command.length === 0) throw new UsageError(`a command is required after \`--\`\n\n${HELP}`);
  return { values: parsed.values, pod: parsed.positionals[0], command };
}

function hostPort(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80) };
  } catch {
    return undefined;
  }
}

/**
 * The server keeps each cluster's pods in `<data-dir>/pods/<cluster>/`; irsa exec uses the same
 * directory (same HOME and token files as `kubectl exec`), finding the cluster whose `server:` in
 * the server's kubeconfig is the API it talks to; else one named after the API's host and port.
 */
function clusterSegment(kubeconfig: string | undefined, server: string): string {
  const same = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
  try {
    let name: string | undefined;
    for (const line of readFileSync(kubeconfig ?? '', 'utf8').split('\n')) {
      const n = /^- name:\s*(\S+)\s*$/.exec(line);
      if (n) name = n[1];
      const s = /^\s+server:\s*(\S+)\s*$/.exec(line);
      if (s && name && same(s[1] as string, server)) return name.replace(/[^A-Za-z0-9._-]/g, '_');
    }
  } catch {
    // No kubeconfig: fall through.
  }
  const u = hostPort(server);
  return u ? `${u.host}_${u.port}`.replace(/[^A-Za-z0-9._-]/g, '_') : 'default';
}

export async function run(argv: string[]): Promise<number> {
  const { values, pod: podName, command } = parse(argv);
  if (values.help || !podName) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const dir = dataDir(values['data-dir'] ?? defaultDataDir());
  const state = readState(dir);
  const kubeServer = values['kube-server'] ?? state?.kubeEndpoint;
  const endpoint = values.endpoint ?? state?.endpoint;
  if (!kubeServer || !endpoint) {
    const missing = !state ? `irsa-local is not running with data directory ${dir.path} (start it with \`irsa up\`)` : 'the running irsa-local serves no Kubernetes API';
    throw new ExitError(`${missing}; or pass --kube-server URL and --endpoint URL`, 1);
  }
  const namespace = values.namespace ?? 'default';
  const api = new KubeApiClient({ server: kubeServer });

  let pod;
  try {
    pod = await api.getPod(namespace, podName);
  } catch (e) {
    throw new ExitError(e instanceof KubeApiError ? `Error from server (${e.reason ?? e.statusCode}): ${e.message}` : `cannot reach the Kubernetes API at ${kubeServer}: ${(e as Error).message}`, 1);
  }
  if (!pod) throw new ExitError(`Error from server (NotFound): pods "${podName}" not found`, 1);
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new ExitError(`cannot exec into a container in a completed pod; current phase is ${phase}`, 1);

  let tty = Boolean(values.tty && values.stdin);
  if (tty && !(process.stdin.isTTY && process.stdout.isTTY)) {
    process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }

  let session: PodSession;
  try {
    session = await startPodSession(pod, values.container, tty, {
      podsRoot: join(dir.path, 'pods', clusterSegment(state?.kubeconfig, kubeServer)),
      awsEndpointUrl: endpoint,
      requestToken: api.requestToken,
      resolve: api.resolve,
      kubeApi: hostPort(kubeServer),
      defaultRegion: state?.region,
      host: { nodeName: hostname(), cpus: cpus().length, memoryBytes: totalmem() },
      onTokenError: (e, volume) => process.stderr.write(`irsa exec: warning: refreshing the token of volume ${volume} failed: ${(e as Error).message}\n`),
    });
  } catch (e) {
    if (e instanceof PodRunnerError || e instanceof KubeApiError) throw new ExitError(e.message, 1);
    throw e;
  }
  const { container } = session;
  if (container.defaulted && !values.quiet) process.stderr.write(`Defaulted container "${container.container.name}" out of: ${container.names.join(', ')}\n`);
  for (const w of session.warnings) process.stderr.write(`irsa exec: warning: ${w}\n`);

  try {
    if (tty) await loadPty();
    const proc = tty ? startOnTerminal(command, session) : startInherited(command, session, Boolean(values.stdin));
    return await waitFor(proc, tty);
  } catch (e) {
    if (e instanceof PodRunnerError && e.code === 'SpawnFailed') throw new ExitError(e.message, spawnFailureExitCode(e));
    throw e;
  } finally {
    session.stop();
  }
}

/**
 * Without a TTY the command shares irsa's stdio and process group (not `detached`): the shell's
 * job control then treats it as the foreground job (Ctrl-C reaches it, and reading the terminal
 * does not stop it with SIGTTIN, as it would from a background group).
 */
function startInherited(command: string[], session: PodSession, stdin: boolean): PodProcess {
  return runInPod({ command, env: session.env, cwd: process.cwd(), stdin: stdin ? 'inherit' : 'ignore', stdout: 'inherit', stderr: 'inherit', detached: false });
}

function startOnTerminal(command: string[], session: PodSession): PodProcess {
  const proc = runInPod({ command, env: session.env, cwd: process.cwd(), tty: { cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 } });
  process.stdin.setRawMode(true);
  process.stdin.on('data', (d: Buffer) => proc.write(d));
  process.stdin.resume();
  proc.stdout?.pipe(process.stdout, { end: false });
  return proc;
}

async function waitFor(proc: PodProcess, tty: boolean): Promise<number> {
  const resize = (): void => proc.resize(process.stdout.columns ?? 0, process.stdout.rows ?? 0);
  // Terminal signals already reach a command in our process group (or are bytes on its pty); others are passed on.
  const ignore = (): void => undefined;
  const forward = (signal: NodeJS.Signals): void => proc.kill(signal);
  const handlers: [NodeJS.Signals, (s: NodeJS.Signals) => void][] = [
    ['SIGINT', ignore],
    ['SIGQUIT', ignore],
    ['SIGTERM', forward],
    ['SIGHUP', forward],
    ['SIGWINCH', resize],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return (await proc.exit).code;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    if (tty) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
}
