/**
 * `?watch=true`: a chunked stream of `{"type","object"}` lines, started from a resourceVersion
 * (replayed from the hub's history) or from "now" (synthetic ADDED for what exists). Objects
 * moving in or out of a selector become ADDED/DELETED, as from kube-apiserver's watch cache.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../contracts.js';
import { KubeStatusError } from './errors.js';
import type { Repository } from './repository.js';
import type { ResourceDef } from './resources.js';
import { apiVersionOf } from './resources.js';
import { selectionMatches, type Selection } from './selectors.js';
import { toTable, type IncludeObject } from './tables.js';
import type { ChangeEvent, WatchHub } from './watch-hub.js';

export interface WatchRequest {
  readonly resource: ResourceDef;
  readonly namespace?: string;
  readonly selection: Selection;
  readonly resourceVersion?: string;
  readonly timeoutSeconds?: number;
  readonly bookmarks: boolean;
  /** Table watch (`kubectl get -w`): each event's object is a one-row Table. */
  readonly table?: { readonly include: IncludeObject };
}

/** kube-apiserver closes watches after a randomized 30–60 min; one fixed default is enough here. */
const DEFAULT_TIMEOUT_SECONDS = 1800;
const BOOKMARK_INTERVAL_MS = 30_000;

export async function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  w: WatchRequest,
  repo: Repository,
  hub: WatchHub,
  now: () => Date,
  closing: Set<() => void>,
): Promise<void> {
  const r = w.resource;
  const buffered: ChangeEvent[] = [];
  let live = false;
  let cursor = 0;
  const matches = (o: KubeObject | undefined): boolean =>
    !!o && (!w.namespace || o.metadata?.namespace === w.namespace) && selectionMatches(r, w.selection, o);

  const render = (o: KubeObject): unknown => (w.table ? toTable(r, [o], now(), { include: w.table.include }) : o);
  const send = (type: string, o: unknown): void => {
    res.write(`${JSON.stringify({ type, object: o })}\n`);
  };
  const deliver = (e: ChangeEvent): void => {
    if (e.resource.plural !== r.plural || e.resource.group !== r.group || e.rv <= cursor) return;
    cursor = e.rv;
    const now_ = matches(e.object);
    const before = e.type === 'ADDED' ? false : matches(e.old);
    if (e.type === 'DELETED') {
      if (before || now_) send('DELETED', render(e.object));
    } else if (now_ && before) send('MODIFIED', render(e.object));
    else if (now_) send('ADDED', render(e.object));
    else if (before) send('DELETED', render(e.object));
  };
  const unsubscribe = hub.subscribe((e) => (live ? deliver(e) : buffered.push(e)));

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  const rv = w.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0') {
    const { items, resourceVersion } = await repo.list(r, w.namespace);
    for (const o of items) if (matches(o)) send('ADDED', render(o));
    cursor = resourceVersion;
  } else {
    const n = Number(rv);
    const history = Number.isFinite(n) ? hub.since(n) : 'expired';
    if (history === 'expired') {
      const err = new KubeStatusError(410, 'Expired', `too old resource version: ${rv} (${hub.oldest})`);
      send('ERROR', err.toStatus());
      unsubscribe();
      res.end();
      return;
    }
    cursor = n;
    for (const e of history) deliver(e);
  }
  for (const e of buffered.splice(0)) deliver(e);
  live = true;

  const bookmark = w.bookmarks
    ? setInterval(() => send('BOOKMARK', { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(cursor) } }), BOOKMARK_INTERVAL_MS)
    : undefined;
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      if (bookmark) clearInterval(bookmark);
      unsubscribe();
      closing.delete(finish);
      if (!res.writableEnded) res.end();
      resolve();
    };
    const timer = setTimeout(finish, (w.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000);
    closing.add(finish);
    // Node 20: req 'close' fires once the body is read; the response's close is the disconnect.
    res.on('close', finish);
    void req;
  });
}
