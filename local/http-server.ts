/**
 * The local host's HTTP front door: a node:http server on loopback that serves the registered
 * HTTP-triggered functions under /<routePrefix>/<route>, as the Functions host does. Each request
 * becomes a real @azure/functions HttpRequest (over a WHATWG Request whose body streams from the
 * socket with backpressure) and InvocationContext; the handler's HttpResponseInit/HttpResponse is
 * written back, streaming bodies included. 404/405 from routing and a thrown handler error get the
 * project's error envelope (the endpoint pipeline normally catches errors itself).
 *
 * Slow and lying clients, as a front end would treat them: headers past maxHeaderBytes get a 431
 * envelope, headers that do not arrive within headersTimeout a 408, unparseable requests a 400 (node's
 * clientError, written on the socket). After a response sent before its request body has fully
 * arrived (a 413, a 408 from the pipeline's body deadline, a 404), the rest of the body is read and
 * dropped for up to lingerMs (a client still sending reads the answer instead of a reset; a body that
 * completes keeps the connection alive), then the connection is closed, so a body that never ends
 * cannot hold it. Node's requestTimeout (a little past bodyTimeoutMs) is the backstop.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  HttpRequest,
  HttpResponse,
  InvocationContext,
  type Cookie,
  type EffectiveFunctionOptions,
  type HttpRequestInit,
  type HttpResponseInit,
} from '@azure/functions';
import { AppError, type ErrorCode } from '../src/shared/core/errors';
import { errorBody } from '../src/shared/http/envelope';
import { statusFor } from '../src/shared/http/error-status';
import { requestIdFrom } from '../src/shared/http/request-id';
import { createLogger, type Logger } from '../src/shared/logger';
import { BodilessRequest } from './bodiless-request';
import { invocationLogHandler } from './invocation-log';
import { invokeFunction, type FunctionHandler, type RegisteredFunction } from './functions-core';
import { RouteTable } from './route-table';

export interface HttpServerOptions {
  /** Functions to serve; those without an httpTrigger are ignored. */
  functions: readonly RegisteredFunction[];
  /** 0 picks a free port. Default: PORT env, else 7071 (as `func start`). */
  port?: number;
  /** Default 127.0.0.1: the local host never listens beyond loopback. */
  hostname?: string;
  /** Default 'api' (host.json extensions.http.routePrefix). */
  routePrefix?: string;
  logger?: Logger;
  /** The pipeline's BODY_TIMEOUT_MS (default 120 s); node's requestTimeout is set a little past it. */
  bodyTimeoutMs?: number;
  /** Largest request head (request line + headers) before a 431 (default 16 KiB, node's). */
  maxHeaderBytes?: number;
  /** How long the rest of a body is drained after an early response before the socket closes (default 2 s). */
  lingerMs?: number;
  /** Milliseconds for the request head to arrive (default 60 s, or bodyTimeoutMs if smaller). */
  headersTimeoutMs?: number;
}

export interface LocalHttpServer {
  server: Server;
  port: number;
  /** Origin, e.g. http://127.0.0.1:7071 (routes are under `${url}/api`). */
  url: string;
  close(): Promise<void>;
}

interface HttpFunction {
  name: string;
  handler: FunctionHandler;
  options: EffectiveFunctionOptions;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
// A Host header we are willing to put into request.url; anything else falls back to the listen address.
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** Builds the route table from the registered HTTP triggers (route defaults to the function name, methods to GET+POST). */
export function buildHttpRoutes(functions: readonly RegisteredFunction[], logger?: Logger): RouteTable<HttpFunction> {
  const table = new RouteTable<HttpFunction>();
  for (const fn of functions) {
    if (fn.trigger.type.toLowerCase() !== 'httptrigger') continue;
    const { route, methods } = fn.trigger;
    const outputs = Object.entries(fn.bindings)
      .filter(([, b]) => b.direction === 'out')
      .map(([name, b]) => ({ ...b, name }));
    const options: EffectiveFunctionOptions = {
      trigger: { ...fn.trigger, name: fn.triggerName },
      return: outputs.find((o) => o.name === '$return'),
      extraInputs: [],
      extraOutputs: outputs.filter((o) => o.name !== '$return'),
    };
    const shadowed = table.add(route ?? fn.name, methods && methods.length > 0 ? methods : ['GET', 'POST'], {
      name: fn.name,
      handler: fn.handler,
      options,
    });
    const clashing = shadowed.filter((m) => m !== 'OPTIONS');
    if (clashing.length > 0) {
      logger?.warn('route already served by an earlier function; it keeps these methods', { function: fn.name, route, methods: clashing });
    }
  }
  return table;
}

/** A response written straight onto the socket (node's clientError has no ServerResponse). */
function rawError(code: ErrorCode, message: string): string {
  const body = JSON.stringify(errorBody(new AppError(code, message), requestIdFrom(null)));
  return (
    `HTTP/1.1 ${statusFor(code)} ${code === 'HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : code === 'REQUEST_TIMEOUT' ? 'Request Timeout' : 'Bad Request'}\r\n` +
    `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Closes a connection whose request body is still arriving without resetting it: our side is ended
 * (FIN after the response), the incoming bytes are read and dropped, and the socket is destroyed when
 * the client closes or after `lingerMs`, whichever comes first.
 */
function lingeringClose(socket: Socket, lingerMs: number): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end();
  socket.resume();
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, requestId: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(errorBody(new AppError(code, message), requestId));
  res.writeHead(statusFor(code), {
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': requestId,
    ...extra,
  });
  res.end(body);
}

/**
 * The request body as a byte stream that reads from the socket only as fast as the handler
 * consumes it (node's Readable.toWeb counts chunks, not bytes, so it can buffer a whole upload).
 * discard() (called when the response is done, or by a cancel from a handler refusing an
 * oversized body) drains the rest instead of destroying the socket: the handler's answer still
 * reaches the client and a keep-alive connection stays usable for the next request.
 */
function requestBody(req: IncomingMessage): { stream: ReadableStream<Uint8Array>; discard: () => void } {
  let settled = false;
  const discard = (): void => {
    settled = true;
    req.resume();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        req.once('close', () => {
          if (settled || req.complete) return;
          settled = true;
          controller.error(new Error('The client aborted the request.'));
        });
        req.once('error', (err) => {
          if (settled) return;
          settled = true;
          controller.error(err);
        });
      },
      pull() {
        if (!settled) req.resume();
      },
      cancel: discard,
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
  return { stream, discard };
}

function serializeCookie(c: Cookie): string {
  let s = `${c.name}=${c.value}`;
  if (c.domain) s += `; Domain=${c.domain}`;
  if (c.path) s += `; Path=${c.path}`;
  if (c.expires !== undefined) s += `; Expires=${(typeof c.expires === 'number' ? new Date(c.expires) : c.expires).toUTCString()}`;
  if (c.maxAge !== undefined) s += `; Max-Age=${c.maxAge}`;
  if (c.secure) s += '; Secure';
  if (c.httpOnly) s += '; HttpOnly';
  if (c.sameSite) s += `; SameSite=${c.sameSite}`;
  return s;
}

type NodeHeaders = Record<string, string | string[]>;

function addHeader(out: NodeHeaders, name: string, value: string): void {
  const key = name.toLowerCase();
  const prev = out[key];
  if (prev === undefined) out[key] = value;
  else if (key === 'set-cookie') out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  else out[key] = `${Array.isArray(prev) ? prev.join(', ') : prev}, ${value}`;
}

/** Writes a plain HttpResponseInit whose body is already in memory, without building a WHATWG Response. */
function tryWriteSimple(res: ServerResponse, init: HttpResponseInit, head: boolean): boolean {
  const { body, headers, cookies } = init;
  const jsonBody: unknown = init.jsonBody;
  if (headers !== undefined && (typeof headers !== 'object' || headers instanceof Headers || Array.isArray(headers))) return false;
  let payload: string | Uint8Array | undefined;
  let defaultType: string | undefined;
  if (jsonBody !== undefined && jsonBody !== null) {
    payload = JSON.stringify(jsonBody);
    defaultType = 'application/json';
  } else if (typeof body === 'string') {
    payload = body;
    defaultType = 'text/plain;charset=UTF-8';
  } else if (body instanceof Uint8Array) {
    payload = body;
  } else if (body !== undefined && body !== null) {
    return false; // streams, Blobs, FormData...: the WHATWG path handles them
  }
  const status = init.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) return false; // let Response reject it
  const out: NodeHeaders = {};
  if (headers) for (const [k, v] of Object.entries(headers)) addHeader(out, k, String(v));
  for (const c of cookies ?? []) addHeader(out, 'set-cookie', serializeCookie(c));
  if (NULL_BODY_STATUS.has(status)) payload = undefined;
  if (payload !== undefined) {
    if (defaultType && out['content-type'] === undefined) out['content-type'] = defaultType;
    out['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
  }
  res.writeHead(status, out);
  res.end(head ? undefined : payload);
  return true;
}

async function writeResponse(res: ServerResponse, result: unknown, head: boolean): Promise<void> {
  if (result === undefined || result === null) {
    // The Functions host answers an HTTP function that returns nothing with an empty 204.
    res.writeHead(204);
    res.end();
    return;
  }
  if (typeof result !== 'object') throw new TypeError('An HTTP function must return an HttpResponseInit or HttpResponse.');
  if (!(result instanceof HttpResponse) && tryWriteSimple(res, result, head)) return;
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  const out: NodeHeaders = {};
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') addHeader(out, k, v);
  });
  for (const c of response.headers.getSetCookie()) addHeader(out, 'set-cookie', c);
  for (const c of response.cookies) addHeader(out, 'set-cookie', serializeCookie(c));
  res.writeHead(response.status, out);
  const body = response.body;
  if (!body || head || NULL_BODY_STATUS.has(response.status)) {
    await body?.cancel().catch(() => undefined);
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), res);
}

/**
 * A response sent while its request body is still arriving: the rest is read and dropped (node does
 * that itself, keeping the connection alive) but only for `lingerMs`; a body still unfinished then
 * (a Content-Length never met, a drip, a huge upload after its 413) has its connection destroyed.
 * The answer left lingerMs earlier, so a client that reads while it sends has it.
 */
function lingerAfterEarlyResponse(req: IncomingMessage, res: ServerResponse, lingerMs: number): void {
  const length = req.headers['content-length'];
  // Bodiless requests (most GETs) complete with their headers: nothing to do.
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) return;
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, lingerMs);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.socket.once('close', () => clearTimeout(timer));
  });
}

export function createRequestListener(
  table: RouteTable<HttpFunction>,
  opts: { routePrefix: string; origin: () => string; logger: Logger; lingerMs?: number },
): (req: IncomingMessage, res: ServerResponse) => void {
  const lingerMs = opts.lingerMs ?? 2_000;
  const prefix = opts.routePrefix === '' ? '' : `/${opts.routePrefix.replace(/^\/+|\/+$/g, '')}`;
  const prefixLower = prefix.toLowerCase();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    lingerAfterEarlyResponse(req, res, lingerMs);
    const rawUrl = req.url ?? '/';
    const method = req.method ?? 'GET';
    const q = rawUrl.indexOf('?');
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const lower = pathname.slice(0, prefix.length).toLowerCase();
    const underPrefix = rawUrl.startsWith('/') && lower === prefixLower && (pathname.length === prefix.length || pathname[prefix.length] === '/');
    const match = underPrefix ? table.match(method, pathname.slice(prefix.length)) : ({ kind: 'not_found' } as const);

    if (match.kind !== 'match') {
      const header = req.headers['x-request-id'];
      const requestId = requestIdFrom(typeof header === 'string' ? header : null);
      req.resume(); // discard any body
      if (match.kind === 'not_found') sendError(res, 'NOT_FOUND', 'No endpoint matches this path.', requestId);
      else {
        sendError(res, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed here; allowed: ${match.allow.join(', ')}.`, requestId, {
          Allow: match.allow.join(', '),
        });
      }
      return;
    }

    const fn = match.value;
    const host = req.headers.host;
    const url = (host && SAFE_HOST.test(host) ? `http://${host}` : opts.origin()) + rawUrl;
    const hasBody = method !== 'GET' && method !== 'HEAD';

    let request: HttpRequest;
    try {
      // Azure's front end appends the caller's address to X-Forwarded-For (anonymous rate limits key on
      // the last entry, the one a client cannot forge); the local host does the same, after every
      // X-Forwarded-For line the client sent, so a second such line cannot come last.
      const headers = new Headers(); // appended one by one: about twice as fast as new Headers(pairs)
      let forwarded = '';
      const rh = req.rawHeaders;
      for (let i = 0; i < rh.length; i += 2) {
        const name = rh[i]!; // rawHeaders alternates name, value
        if (name.length === 15 && name.toLowerCase() === 'x-forwarded-for') forwarded += `${rh[i + 1] as string}, `;
        else headers.append(name, rh[i + 1] as string);
      }
      headers.append('x-forwarded-for', forwarded + (req.socket.remoteAddress ?? 'unknown'));
      let body: ReadableStream<Uint8Array> | undefined;
      if (hasBody) {
        const b = requestBody(req);
        body = b.stream;
        // A handler that answers without reading the body must not stall the keep-alive connection.
        res.once('finish', () => {
          if (!req.complete) b.discard();
        });
      }
      const nativeRequest = body
        ? new Request(url, { method, headers, body, duplex: 'half' } as RequestInit)
        : (new BodilessRequest(new URL(url), method, headers) as unknown as Request);
      // nativeRequest is the library's internal init member (what its own streaming path uses).
      // Without a query string, an empty `query` spares HttpRequest parsing the URL once more.
      const init = { method, url, params: match.params, nativeRequest, ...(q === -1 ? { query: {} } : {}) } as HttpRequestInit;
      request = new HttpRequest(init);
    } catch {
      const header = req.headers['x-request-id'];
      req.resume();
      sendError(res, 'VALIDATION_ERROR', 'The request could not be read.', requestIdFrom(typeof header === 'string' ? header : null));
      return;
    }

    const invocationId = randomUUID();
    const logHandler = invocationLogHandler(opts.logger, fn.name, invocationId);
    const context = new InvocationContext({ invocationId, functionName: fn.name, logHandler, options: fn.options });

    try {
      const result = await invokeFunction(fn, request, context);
      await writeResponse(res, result, method === 'HEAD');
    } catch (err) {
      opts.logger.error('http function failed', {
        function: fn.name,
        invocation_id: invocationId,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      if (res.headersSent) {
        res.destroy(); // mid-stream: the client must see a broken response, not a truncated "success"
        return;
      }
      const header = req.headers['x-request-id'];
      sendError(res, 'INTERNAL', 'An internal error occurred.', requestIdFrom(typeof header === 'string' ? header : null));
    }
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error('local http server failure', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendError(res, 'INTERNAL', 'An internal error occurred.', requestIdFrom(null));
      else res.destroy();
    });
  };
}

export async function startHttpServer(options: HttpServerOptions): Promise<LocalHttpServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 7071);
  const logger = options.logger ?? createLogger({ level: 'warn', format: 'text' });
  const table = buildHttpRoutes(options.functions, logger);
  let origin = `http://${hostname}:${port}`;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 120_000;
  const lingerMs = options.lingerMs ?? 2_000;
  // The pipeline answers a late body with its 408 envelope first; node's check is the backstop.
  const requestTimeout = bodyTimeoutMs + lingerMs + 1_000;
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      requestTimeout,
      headersTimeout: Math.min(options.headersTimeoutMs ?? 60_000, requestTimeout),
      // How often node looks for expired requests (default 30 s, too coarse for short limits).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(bodyTimeoutMs / 4))),
    },
    createRequestListener(table, { routePrefix: options.routePrefix ?? 'api', origin: () => origin, logger, lingerMs }),
  );
  const answered = new WeakSet<Socket>();
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    // A response already under way (or a socket gone): nothing can be written any more.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const code: ErrorCode =
      err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : 'VALIDATION_ERROR';
    const message =
      code === 'HEADERS_TOO_LARGE'
        ? `The request headers exceed ${options.maxHeaderBytes ?? 16 * 1024} bytes.`
        : code === 'REQUEST_TIMEOUT'
          ? 'The request did not arrive in time.'
          : 'The request could not be parsed as HTTP.';
    socket.write(rawError(code, message));
    lingeringClose(socket, lingerMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  origin = `http://${hostname}:${actualPort}`;
  return {
    server,
    port: actualPort,
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
