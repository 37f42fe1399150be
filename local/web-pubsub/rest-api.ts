/**
 * The stand-in's REST API (data-plane api-version 2024-12-01), as the `@azure/web-pubsub`
 * server SDK calls it. Caller authentication happens before this (server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLOSE_POLICY, type HubState, type OutboundData } from './hub-state';
import { sendToGroupMembers } from './client-protocol';
import { OutboundMessage } from './outbound';

/** Largest REST message body accepted (Azure's limit is 1 MB per message). */
export const MAX_REST_BODY_BYTES = 1024 * 1024;

export interface RestRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function errorBody(code: string, message: string): { code: string; message: string } {
  return { code, message };
}

/** The message of a :send call, typed by its Content-Type as the service does. */
function messageOf(req: RestRequest): OutboundData | { error: string } {
  const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      return { dataType: 'json', data: JSON.parse(req.body.toString('utf8')) as unknown };
    } catch {
      return { error: 'The body is not valid JSON.' };
    }
  }
  if (type === 'text/plain') return { dataType: 'text', data: req.body.toString('utf8') };
  if (type === 'application/octet-stream') return { dataType: 'binary', data: req.body.toString('base64') };
  return { error: `Content-Type ${type} is not supported.` };
}

const decode = (s: string): string => decodeURIComponent(s);

export function handleRest(state: HubState, req: RestRequest, res: ServerResponse): void {
  const m = /^\/api\/hubs\/([^/]+)(\/.*)?$/.exec(req.url.pathname);
  if (!m?.[1]) return reply(res, 404, errorBody('NotFound', 'No such API.'));
  const hub = decode(m[1]);
  const rest = m[2] ?? '';
  const q = req.url.searchParams;
  const excluded = new Set(q.getAll('excluded'));
  const method = req.method;

  const send = (targets: ReturnType<HubState['of']>, group?: string): void => {
    if (q.has('filter')) return reply(res, 400, errorBody('BadRequest', 'The stand-in does not evaluate OData filters.'));
    const msg = messageOf(req);
    if ('error' in msg) return reply(res, 400, errorBody('BadRequest', msg.error));
    if (group !== undefined) sendToGroupMembers(state, hub, group, { dataType: msg.dataType, data: msg.data }, excluded);
    else {
      const message = new OutboundMessage({ type: 'message', from: 'server', dataType: msg.dataType, data: msg.data });
      for (const c of targets) if (!excluded.has(c.id)) c.deliver(message);
    }
    reply(res, 202);
  };
  const close = (targets: ReturnType<HubState['of']>): void => {
    const reason = q.get('reason') ?? undefined;
    for (const c of targets) if (!excluded.has(c.id)) closeConnection(state, c.id, reason);
    reply(res, 204);
  };

  let r: RegExpExecArray | null;
  if (rest === '/:send' && method === 'POST') return send(state.of(hub));
  if (rest === '/:closeConnections' && method === 'POST') return close(state.of(hub));
  if ((r = /^\/groups\/([^/]+)(\/.*)?$/.exec(rest))) {
    const group = decode(r[1] ?? '');
    const tail = r[2] ?? '';
    if (tail === '' && method === 'HEAD') return reply(res, state.of(hub, (c) => c.groups.has(group)).length > 0 ? 200 : 404);
    if (tail === '/:send' && method === 'POST') return send([], group);
    if (tail === '/:closeConnections' && method === 'POST') return close(state.of(hub, (c) => c.groups.has(group)));
    if (tail === '/connections' && method === 'GET') {
      return reply(res, 200, { value: state.of(hub, (c) => c.groups.has(group)).map((c) => ({ connectionId: c.id, userId: c.userId })) });
    }
    const cm = /^\/connections\/([^/]+)$/.exec(tail);
    if (cm?.[1]) {
      const c = state.get(hub, decode(cm[1]));
      if (method === 'PUT') {
        if (!c) return reply(res, 404, errorBody('NotFound', 'Connection does not exist.'));
        c.groups.add(group);
        return reply(res, 200);
      }
      if (method === 'DELETE') {
        c?.groups.delete(group);
        return reply(res, 204);
      }
    }
  }
  if ((r = /^\/connections\/([^/]+)(\/.*)?$/.exec(rest))) {
    const id = decode(r[1] ?? '');
    const tail = r[2] ?? '';
    const c = state.get(hub, id);
    if (tail === '' && method === 'HEAD') return reply(res, c ? 200 : 404);
    if (tail === '' && method === 'DELETE') {
      if (c) closeConnection(state, id, q.get('reason') ?? undefined);
      return reply(res, 204);
    }
    if (tail === '/:send' && method === 'POST') {
      if (!c) return reply(res, 404, errorBody('NotFound', 'Connection does not exist.'));
      return send([c]);
    }
    if (tail === '/groups' && method === 'DELETE') {
      c?.groups.clear();
      return reply(res, 204);
    }
  }
  if ((r = /^\/users\/([^/]+)(\/.*)?$/.exec(rest))) {
    const userId = decode(r[1] ?? '');
    const tail = r[2] ?? '';
    const mine = state.of(hub, (c) => c.userId === userId);
    if (tail === '' && method === 'HEAD') return reply(res, mine.length > 0 ? 200 : 404);
    if (tail === '/:send' && method === 'POST') return send(mine);
    if (tail === '/:closeConnections' && method === 'POST') return close(mine);
    if (tail === '/groups' && method === 'DELETE') {
      state.removeUserFromGroup(hub, userId, undefined);
      return reply(res, 204);
    }
    const gm = /^\/groups\/([^/]+)$/.exec(tail);
    if (gm?.[1]) {
      const group = decode(gm[1]);
      if (method === 'PUT') {
        state.addUserToGroup(hub, userId, group);
        return reply(res, 200);
      }
      if (method === 'DELETE') {
        state.removeUserFromGroup(hub, userId, group);
        return reply(res, 204);
      }
    }
  }
  reply(res, 404, errorBody('NotFound', `The stand-in does not implement ${method} ${req.url.pathname}.`));
}

/** Closes a connection as the service does: a `disconnected` system message, then close code 1008. */
export function closeConnection(state: HubState, id: string, reason: string | undefined): void {
  const c = state.connections.get(id);
  if (!c) return;
  c.control({ type: 'system', event: 'disconnected', message: reason ?? 'Closed by the server.' });
  c.flush(); // what is queued goes out before the close frame
  state.remove(c);
  c.socket?.close(CLOSE_POLICY, (reason ?? 'closed').slice(0, 120));
}
