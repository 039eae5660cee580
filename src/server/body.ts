import type { IncomingMessage } from 'node:http';

/**
 * Bounded request bodies for the endpoints that read a whole body before answering (IAM, STS,
 * EKS, the JSON services). Its own module so an endpoint can use it without importing the
 * composition in app.ts (which imports the endpoints).
 */

/** Form bodies of IAM and STS calls are small; AWS caps a policy at 131,072 characters. */
export const DEFAULT_MAX_BODY = 1024 * 1024;

/** Reads the body; undefined when it is larger than `max` bytes (the rest is not buffered). */
export async function readBody(req: IncomingMessage, max = DEFAULT_MAX_BODY): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
