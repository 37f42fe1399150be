/**
 * The local stand-in for Azure Web PubSub: one loopback HTTP server with the REST API the server
 * SDK calls and the client WebSocket endpoint the client SDK connects to. See docs/realtime.md for
 * what it covers and what it does not.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { handleClientFrame, JSON_PROTOCOL, RELIABLE_PROTOCOL } from './client-protocol';
import { CLOSE_POLICY, HubState, type Connection } from './hub-state';
import { closeConnection, handleRest, MAX_REST_BODY_BYTES } from './rest-api';
import { verifyClientToken, verifyRestToken } from './tokens';

export interface WebPubSubStandInOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: a random key for this run. */
  accessKey?: string;
  /** How long a dropped reliable connection may come back (Azure: 30 s). */
  recoveryWindowMs?: number;
}

export interface WebPubSubStandIn {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  connectionString: string;
  port: number;
  state: HubState;
  /** Tests: cuts a connection's socket as a network failure would (the connection stays recoverable). */
  cutSocket(connectionId: string): void;
  /** Tests: forgets a connection, so its recovery is refused with 1008. */
  forget(connectionId: string): void;
  stop(): Promise<void>;
}

/** Client frames above this size close the connection (Azure's limit is 1 MB). */
const MAX_CLIENT_FRAME_BYTES = 1024 * 1024;

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startWebPubSubStandIn(options: WebPubSubStandInOptions = {}): Promise<WebPubSubStandIn> {
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const key = new TextEncoder().encode(accessKey);
  const recoveryWindowMs = options.recoveryWindowMs ?? 30_000;
  const state: HubState = new HubState((c) => closeConnection(state, c.id, 'Too many unacknowledged messages.'));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    handleProtocols: (offered) => (offered.has(RELIABLE_PROTOCOL) ? RELIABLE_PROTOCOL : offered.has(JSON_PROTOCOL) ? JSON_PROTOCOL : false),
  });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REST_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
        if (!(await verifyRestToken(req.headers.authorization, key, url))) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'Unauthorized', message: 'Invalid or missing token.' }));
          return;
        }
        handleRest(state, { method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks) }, res);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });

  const attach = (c: Connection, ws: WebSocket): void => {
    if (c.dropTimer) clearTimeout(c.dropTimer);
    c.dropTimer = undefined;
    const old = c.socket;
    c.socket = ws;
    if (old && old !== ws) old.terminate();
    ws.on('message', (data) => handleClientFrame(state, c, data));
    ws.on('close', () => {
      if (c.socket !== ws) return;
      c.socket = undefined;
      if (!state.connections.has(c.id)) return;
      if (!c.reliable) return state.remove(c);
      // Reliable: messages keep queueing for a reconnection within the window.
      c.dropTimer = setTimeout(() => state.remove(c), recoveryWindowMs);
      c.dropTimer.unref();
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const m = /^\/client\/hubs\/([^/]+)\/?$/.exec(url.pathname);
      if (!m?.[1]) return refuse(socket, 404, 'Not Found');
      const hub = decodeURIComponent(m[1]);
      const claims = await verifyClientToken(url.searchParams.get('access_token') ?? '', key, `${url.origin}/client/hubs/${m[1]}`);
      if (!claims) return refuse(socket, 401, 'Unauthorized');
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim());
      if (!offered.includes(RELIABLE_PROTOCOL) && !offered.includes(JSON_PROTOCOL)) return refuse(socket, 400, 'Bad Request');
      wss.handleUpgrade(req, socket, head, (ws) => {
        const reliable = ws.protocol === RELIABLE_PROTOCOL;
        const recoverId = url.searchParams.get('awps_connection_id');
        if (recoverId !== null) {
          const c = state.get(hub, recoverId);
          const token = url.searchParams.get('awps_reconnection_token');
          if (!c || !c.reliable || token !== c.reconnectionToken || c.userId !== claims.userId) {
            // The client takes 1008 as "start afresh" and rejoins its groups.
            ws.close(CLOSE_POLICY, 'Recovery failed.');
            return;
          }
          attach(c, ws);
          c.control({ type: 'system', event: 'connected', userId: c.userId, connectionId: c.id, reconnectionToken: c.reconnectionToken });
          c.replay();
          return;
        }
        const c = state.open(hub, claims.userId, new Set(claims.roles), claims.groups, reliable);
        attach(c, ws);
        c.control({
          type: 'system',
          event: 'connected',
          userId: c.userId,
          connectionId: c.id,
          ...(reliable ? { reconnectionToken: c.reconnectionToken } : {}),
        });
      });
    })().catch(() => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    connectionString: `Endpoint=${endpoint};AccessKey=${accessKey};Version=1.0;`,
    port,
    state,
    cutSocket: (id) => state.connections.get(id)?.socket?.terminate(),
    forget: (id) => {
      const c = state.connections.get(id);
      if (!c) return;
      state.remove(c);
      c.socket?.terminate();
    },
    stop: async () => {
      for (const c of state.connections.values()) {
        state.remove(c);
        c.socket?.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
