import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * HTTP/2 over cleartext ("prior knowledge", RFC 9113 §3.3) on the HTTP/1.1 listener of the AWS
 * endpoint. The AWS SDK for JavaScript v3 sends Bedrock Runtime calls over HTTP/2 always
 * (`NodeHttp2Handler`), also to an `http://` endpoint, so an HTTP/1.1-only endpoint fails with a
 * protocol error. Each new connection's first bytes are compared with the HTTP/2 connection
 * preface: HTTP/1.1 connections go to the HTTP/1.1 server unchanged; HTTP/2 ones to an HTTP/2
 * server whose requests are emitted as the HTTP/1.1 server's `request` events, so every handler
 * serves both. Node's compatibility API gives them the same request/response interface;
 * hop-by-hop headers, which HTTP/2 forbids, are dropped from HTTP/2 responses.
 */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** Headers HTTP/2 refuses (RFC 9113 §8.2.2). */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const SNIFF_TIMEOUT_MS = 60_000;

export interface H2c {
  /** Closes the HTTP/2 sessions and connections not yet sorted (the HTTP/1.1 server closes its own). */
  close(): void;
}

export function serveH2c(server: HttpServer): H2c {
  const h2 = createHttp2Server();
  const sessions = new Set<Http2Session>();
  const addresses = new WeakMap<Http2Session, string | undefined>();
  let nextAddress: string | undefined;
  h2.on('session', (s: Http2Session) => {
    sessions.add(s);
    addresses.set(s, nextAddress);
    s.once('close', () => sessions.delete(s));
  });
  h2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const remoteAddress = addresses.get(req.stream.session as Http2Session);
    const socket = req.socket;
    Object.defineProperty(req, 'socket', { configurable: true, value: new Proxy(socket, { get: (t, p) => (p === 'remoteAddress' ? remoteAddress : Reflect.get(t, p)) }) });
    dropConnectionHeaders(res);
    server.emit('request', req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });

  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const sniffing = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    let head: Buffer = Buffer.alloc(0);
    sniffing.add(socket);
    // A connection that never sends a byte is not left open (the servers' own timeouts start after).
    const idle = (): void => void socket.destroy();
    socket.setTimeout(SNIFF_TIMEOUT_MS);
    socket.once('timeout', idle);
    socket.once('close', () => sniffing.delete(socket));
    const sniff = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const n = Math.min(head.length, PREFACE.length);
      const maybeH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (maybeH2 && head.length < PREFACE.length) return;
      socket.off('data', sniff);
      socket.pause();
      socket.setTimeout(0);
      socket.off('timeout', idle);
      sniffing.delete(socket);
      if (maybeH2) {
        nextAddress = socket.remoteAddress;
        h2.emit('connection', replaying(socket, head));
        nextAddress = undefined;
        return;
      }
      socket.unshift(head);
      for (const l of http1) l.call(server, socket);
      socket.resume();
    };
    socket.on('data', sniff);
  });
  return {
    close: () => {
      for (const s of sessions) s.close();
      for (const socket of sniffing) socket.destroy();
    },
  };
}

/**
 * The socket as a plain duplex stream that first yields the bytes already read. Node's HTTP/2
 * session reads a net.Socket's handle directly, past anything read from it in JavaScript, so it
 * is given this stream instead.
 */
function replaying(socket: Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read: () => {
      socket.resume();
    },
    write: (chunk, encoding, cb) => {
      socket.write(chunk, encoding, cb);
    },
    final: (cb) => {
      socket.end(cb);
    },
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('error', (e) => d.destroy(e));
  socket.on('close', () => d.destroy());
  socket.resume();
  return d;
}

function dropConnectionHeaders(res: Http2ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => Http2ServerResponse;
  res.setHeader = (name: string, value: number | string | readonly string[]) => (CONNECTION_HEADERS.has(name.toLowerCase()) ? res : setHeader(name, value));
  (res as { writeHead: unknown }).writeHead = (status: number, ...rest: unknown[]) => {
    const last = rest[rest.length - 1];
    if (last && typeof last === 'object' && !Array.isArray(last)) {
      rest[rest.length - 1] = Object.fromEntries(Object.entries(last as Record<string, unknown>).filter(([k]) => !CONNECTION_HEADERS.has(k.toLowerCase())));
    }
    return writeHead(status, ...rest);
  };
}
