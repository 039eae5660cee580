/** Request bodies in, JSON out: the byte-level half of the HTTP handler. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeStatusError, unsupportedMediaType } from './errors.js';
import { decodeKubeProtobuf } from './protobuf.js';

/** kube-apiserver's request body limit (3 MiB). */
const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new KubeStatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Parses a JSON or protobuf body; `fromProtobuf` tells the field checks to stand down. */
export function parseBody(buf: Buffer, contentType: string | undefined): { value: unknown; fromProtobuf: boolean } {
  const mt = mediaType(contentType);
  if (mt === 'application/vnd.kubernetes.protobuf') return { value: decodeKubeProtobuf(buf), fromProtobuf: true };
  if (mt === '' || mt === 'application/json' || mt.endsWith('+json')) {
    const text = buf.toString('utf8').trim();
    if (text === '') return { value: undefined, fromProtobuf: false };
    try {
      return { value: JSON.parse(text) as unknown, fromProtobuf: false };
    } catch (e) {
      throw new KubeStatusError(400, 'BadRequest', `json: ${(e as Error).message}`);
    }
  }
  throw unsupportedMediaType(contentType ?? '');
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendStatusError(res: ServerResponse, e: KubeStatusError): void {
  sendJson(res, e.code, e.toStatus());
}

/** A raw HTTP/1.1 response on an upgrade socket (there is no ServerResponse there). */
export function writeRawStatus(socket: NodeJS.WritableStream & { destroy?: () => void }, e: KubeStatusError): void {
  const body = JSON.stringify(e.toStatus());
  const text = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 503: 'Service Unavailable' }[e.code] ?? 'Error';
  socket.write(`HTTP/1.1 ${e.code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.end();
}
