/**
 * `metav1.Status` bodies of the exec protocol: the one sent on channel 3 at the end of a
 * session, and the plain HTTP answers written on a raw socket before any upgrade (there is no
 * `res` in Node's 'upgrade' event). kubectl reads channel 3 until the socket closes and decodes it
 * once: Success → exit 0; Failure/NonZeroExitCode with `details.causes[{reason:"ExitCode"}]` →
 * `command terminated with exit code N` and exit N; any other Failure → `error: <message>`, exit 1.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
 * (client-go tools/remotecommand errorstream.go / v4.go `errorDecoderV4`)
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Status {
  readonly kind?: 'Status';
  readonly apiVersion?: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly causes?: readonly { readonly reason: string; readonly message: string }[] };
}

export function successStatus(): Status {
  return { metadata: {}, status: 'Success' };
}

/**
 * The exit status of a finished command: Success for 0, else NonZeroExitCode with the code as the
 * ExitCode cause (kubelet wording). kubectl parses the code as a uint8, so it is clamped to 0–255.
 */
export function exitStatus(command: readonly string[], code: number): Status {
  const c = Math.min(255, Math.max(0, Math.trunc(code)));
  if (c === 0) return successStatus();
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${c}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(c) }] },
  };
}

/** A failure after the upgrade (cannot start the command, cannot build the pod's environment). */
export function failureStatus(message: string, reason = 'InternalError', code = 500): Status {
  return { metadata: {}, status: 'Failure', message, reason, code };
}

/** A Status for a plain HTTP error (before the upgrade): kubectl prints `Error from server (<reason>): <message>`. */
export function httpStatus(code: number, reason: string, message: string): Status & { readonly code: number } {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Writes a complete HTTP/1.1 JSON response on an upgrade socket, then ends it. */
export function writeRawStatus(socket: Duplex, status: Status & { readonly code: number }): void {
  const body = Buffer.from(JSON.stringify(status));
  const head =
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  if (socket.destroyed) return;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
