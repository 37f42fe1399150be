import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { resetConfig } from '../../../src/shared/config';
import { AppError } from '../../../src/shared/core/errors';
import { createHandler } from '../../../src/shared/http/endpoint';
import type { EndpointOptions } from '../../../src/shared/http/types';
import { resetServices } from '../../../src/shared/services';

const ALLOWED = 'https://app.example.com';

function request(init: { method?: string; url?: string; headers?: Record<string, string>; body?: string; params?: Record<string, string> }) {
  return new HttpRequest({
    method: init.method ?? 'GET',
    url: init.url ?? 'http://127.0.0.1:7071/api/things',
    headers: init.headers ?? {},
    params: init.params ?? {},
    body: init.body === undefined ? undefined : { string: init.body },
  });
}

const ctx = () => new InvocationContext({ functionName: 'test' });

function json(res: HttpResponseInit): Record<string, any> {
  return JSON.parse(String(res.body as string));
}
const header = (res: HttpResponseInit, name: string): string | undefined => (res.headers as Record<string, string>)[name];

const bodySchema = z.object({ name: z.string().min(1).max(10), count: z.number().int().optional() });

function handlerWith(overrides: Partial<EndpointOptions<any, any, any, any>> = {}) {
  return createHandler({
    name: 'things-create',
    route: 'things',
    methods: ['POST'],
    auth: 'public',
    body: bodySchema,
    response: z.unknown(),
    handler: async ({ body }) => ({ status: 201, data: { created: body } }),
    ...overrides,
  });
}

beforeEach(async () => {
  process.env.CORS_ORIGINS = JSON.stringify([ALLOWED]);
  process.env.MAX_REQUEST_BODY_BYTES = '2048';
  resetConfig();
  await resetServices();
});
afterEach(async () => {
  delete process.env.CORS_ORIGINS;
  delete process.env.MAX_REQUEST_BODY_BYTES;
  delete process.env.LOG_FORMAT;
  process.env.LOG_LEVEL = 'silent';
  resetConfig();
  await resetServices();
});

describe('success envelope', () => {
  it('wraps data with meta.request_id and timestamp', async () => {
    const res = await handlerWith()(request({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a"}' }), ctx());
    expect(res.status).toBe(201);
    const b = json(res);
    expect(b.data).toEqual({ created: { name: 'a' } });
    expect(b.meta.request_id).toBe(header(res, 'X-Request-Id'));
    expect(new Date(b.meta.timestamp).toString()).not.toBe('Invalid Date');
    expect(b.pagination).toBeUndefined();
  });

  it('adds pagination on lists and quotes ETags', async () => {
    const h = handlerWith({
      methods: ['GET'],
      body: undefined,
      handler: async () => ({ data: [1, 2], pagination: { cursor: 'abc', has_next: true }, etag: 'v1' }),
    });
    const res = await h(request({}), ctx());
    expect(json(res).pagination).toEqual({ cursor: 'abc', has_next: true });
    expect(header(res, 'ETag')).toBe('"v1"');
  });
});

describe('request id', () => {
  it('keeps a well-formed client id', async () => {
    const res = await handlerWith({ methods: ['GET'], body: undefined, handler: async () => ({ data: 1 }) })(
      request({ headers: { 'x-request-id': 'client-req-12345' } }),
      ctx(),
    );
    expect(header(res, 'X-Request-Id')).toBe('client-req-12345');
  });

  it('replaces a malformed one', async () => {
    const res = await handlerWith({ methods: ['GET'], body: undefined, handler: async () => ({ data: 1 }) })(
      request({ headers: { 'x-request-id': 'bad id with spaces <script>' } }),
      ctx(),
    );
    expect(header(res, 'X-Request-Id')).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

describe('CORS', () => {
  const get = handlerWith({ methods: ['GET'], body: undefined, handler: async () => ({ data: 1 }) });

  it('allows a listed origin with credentials', async () => {
    const res = await get(request({ headers: { origin: ALLOWED } }), ctx());
    expect(header(res, 'Access-Control-Allow-Origin')).toBe(ALLOWED);
    expect(header(res, 'Access-Control-Allow-Credentials')).toBe('true');
    expect(header(res, 'Access-Control-Expose-Headers')).toContain('X-Request-Id');
  });

  it('gives an unknown origin no CORS headers', async () => {
    const res = await get(request({ headers: { origin: 'https://evil.example.com' } }), ctx());
    expect(header(res, 'Access-Control-Allow-Origin')).toBeUndefined();
    expect(header(res, 'Access-Control-Allow-Credentials')).toBeUndefined();
  });

  it('answers a preflight for a listed origin', async () => {
    const res = await get(request({ method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } }), ctx());
    expect(res.status).toBe(204);
    expect(header(res, 'Access-Control-Allow-Methods')).toBe('GET, POST, PUT, DELETE, PATCH');
    expect(header(res, 'Access-Control-Allow-Headers')).toContain('X-API-Key');
    expect(header(res, 'Access-Control-Allow-Headers')).toContain('Authorization');
    expect(header(res, 'Access-Control-Allow-Headers')).toContain('Content-Type');
    expect(header(res, 'Access-Control-Max-Age')).toBe('600');
  });

  it('answers a preflight for an unknown origin without CORS headers', async () => {
    const res = await get(request({ method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } }), ctx());
    expect(res.status).toBe(204);
    expect(header(res, 'Access-Control-Allow-Origin')).toBeUndefined();
    expect(header(res, 'Access-Control-Allow-Methods')).toBeUndefined();
  });
});

describe('bad input', () => {
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    handlerWith()(request({ method: 'POST', headers, body }), ctx());

  it('400 on malformed JSON, with a detail', async () => {
    const res = await post('{"name": ');
    expect(res.status).toBe(400);
    const b = json(res);
    expect(b.error.code).toBe('VALIDATION_ERROR');
    expect(b.error.details[0].field).toBe('body');
    expect(b.meta.request_id).toBe(header(res, 'X-Request-Id'));
  });

  it('400 on unknown fields, naming them', async () => {
    const res = await post('{"name":"a","nmae":"typo"}');
    expect(res.status).toBe(400);
    expect(json(res).error.details).toEqual([{ field: 'body.nmae', issue: 'unknown field' }]);
  });

  it('400 on wrong types with field details', async () => {
    const res = await post('{"name":5,"count":"x"}');
    expect(res.status).toBe(400);
    const fields = json(res)
      .error.details.map((d: { field: string }) => d.field)
      .sort();
    expect(fields).toEqual(['body.count', 'body.name']);
  });

  it('400 when a body is required but empty', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
  });

  it('415 on a non-JSON content type', async () => {
    const res = await post('{"name":"a"}', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(json(res).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('413 when the body is larger than the limit, declared or not', async () => {
    const big = JSON.stringify({ name: 'a', pad: 'x'.repeat(5000) });
    const declared = await post(big, { 'content-type': 'application/json', 'content-length': String(big.length) });
    expect(declared.status).toBe(413);
    const undeclared = await post(big);
    expect(undeclared.status).toBe(413);
    expect(json(undeclared).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('400 on invalid params and unknown query parameters', async () => {
    const h = createHandler({
      name: 'things-get',
      route: 'things/{id}',
      methods: ['GET'],
      auth: 'public',
      params: z.object({ id: z.string().regex(/^[a-z0-9_]{3,40}$/) }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
      response: z.object({ id: z.string(), limit: z.number().optional() }),
      handler: async ({ params, query }) => ({ data: { id: params.id, limit: query.limit } }),
    });
    const ok = await h(request({ url: 'http://127.0.0.1/api/things/abc?limit=5', params: { id: 'abc' } }), ctx());
    expect(json(ok).data).toEqual({ id: 'abc', limit: 5 });
    const badId = await h(request({ url: 'http://127.0.0.1/api/things/..', params: { id: '../x' } }), ctx());
    expect(badId.status).toBe(400);
    expect(json(badId).error.details[0].field).toBe('params.id');
    const badQuery = await h(request({ url: 'http://127.0.0.1/api/things/abc?limit=0&foo=1', params: { id: 'abc' } }), ctx());
    expect(badQuery.status).toBe(400);
    const fields = json(badQuery)
      .error.details.map((d: { field: string }) => d.field)
      .sort();
    expect(fields).toEqual(['query.foo', 'query.limit']);
  });
});

describe('errors', () => {
  it('maps an AppError code to its status and keeps extra members and headers', async () => {
    const h = handlerWith({
      methods: ['GET'],
      body: undefined,
      handler: async () => {
        throw new AppError('CONFLICT', 'Name taken.', { details: [{ field: 'name', issue: 'taken' }] });
      },
    });
    const res = await h(request({}), ctx());
    expect(res.status).toBe(409);
    expect(json(res).error).toEqual({ code: 'CONFLICT', message: 'Name taken.', details: [{ field: 'name', issue: 'taken' }] });
  });

  it('turns an unexpected error into a bare 500 that leaks nothing', async () => {
    const secret = 'AccountKey=supersecret;Server=db.internal';
    const h = handlerWith({
      methods: ['GET'],
      body: undefined,
      handler: async () => {
        throw new Error(`connection failed: ${secret}`);
      },
    });
    const res = await h(request({}), ctx());
    expect(res.status).toBe(500);
    const text = String(res.body as string);
    expect(text).not.toContain('supersecret');
    expect(text).not.toContain('connection failed');
    expect(text).not.toContain('at ');
    expect(json(res).error).toEqual({ code: 'INTERNAL', message: 'An internal error occurred.', details: [] });
  });
});

describe('structured logs', () => {
  it('writes one JSON line per request with request id, function, status and duration', async () => {
    process.env.LOG_FORMAT = 'json';
    process.env.LOG_LEVEL = 'info';
    resetConfig();
    await resetServices();
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const res = await handlerWith({ methods: ['GET'], body: undefined, handler: async () => ({ data: 1 }) })(request({}), ctx());
      const entry = lines.map((l) => JSON.parse(l)).find((e) => e.msg === 'request');
      expect(entry).toMatchObject({ level: 'info', function: 'things-create', status: 200, request_id: header(res, 'X-Request-Id') });
      expect(typeof entry.duration_ms).toBe('number');
    } finally {
      spy.mockRestore();
    }
  });
});
