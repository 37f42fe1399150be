import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local/host';

const fixtures = join(__dirname, '..', 'fixtures', 'functions');
let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({ port: 0, functionFiles: [join(fixtures, 'http-fixtures.ts')] });
});
afterAll(async () => {
  await host.stop();
});

const api = (path: string): string => `${host.url}/api/${path}`;

describe('local host over HTTP', () => {
  it('listens on loopback and lists the HTTP functions with their routes', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.functions()).toContainEqual({ name: 'fx-item-get', trigger: 'http', route: 'fx/items/{id:int}', methods: ['GET'] });
  });

  it('routes to the function with parameters and hands it a real HttpRequest and InvocationContext', async () => {
    const id = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const res = await fetch(api(`FX/ctx/${id}?a=1&b=two`), { headers: { 'X-Custom': 'hello' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fn')).toBe('fx-context');
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      functionName: 'fx-context',
      method: 'GET',
      params: { id },
      query: { a: '1', b: 'two' },
      header: 'hello',
    });
    expect(body.url).toBe(`${host.url}/api/FX/ctx/${id}?a=1&b=two`);
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives a GET a request with no body whose readers, clone and URL behave as a WHATWG Request', async () => {
    const res = await fetch(api('fx/./get-request?x=%7e'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      body: null,
      bodyUsedBefore: false,
      text: '',
      bodyUsedAfter: false,
      json: 'SyntaxError',
      cloneMethod: 'GET',
      url: `${host.url}/api/fx/get-request?x=%7e`,
      forwardedFor: '127.0.0.1',
    });
  });

  it('appends the caller after every X-Forwarded-For line, so a second forged line cannot come last', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        api('fx/get-request'),
        // As a raw list, so the two lines stay apart on the wire (node then adds no Host of its own).
        { headers: ['Host', new URL(host.url).host, 'X-Forwarded-For', '10.0.0.1', 'Accept', '*/*', 'x-forwarded-for', '10.0.0.2'] },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect((JSON.parse(body) as { forwardedFor: string }).forwardedFor).toBe('10.0.0.1, 10.0.0.2, 127.0.0.1');
  });

  it('prefers the literal route over the parameter route', async () => {
    expect(await (await fetch(api('fx/items/search'))).json()).toEqual({ fn: 'fx-item-search' });
    expect(await (await fetch(api('fx/items/42'))).json()).toEqual({ fn: 'fx-item-get', params: { id: '42' } });
  });

  it('answers an unknown path with a 404 error envelope and a request id', async () => {
    const res = await fetch(api('fx/nowhere'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const body = (await res.json()) as { error: unknown; meta: { request_id: string; timestamp: string } };
    expect(body.error).toEqual({ code: 'NOT_FOUND', message: expect.any(String), details: [] });
    expect(body.meta.request_id).toBe(requestId);
    expect(Number.isNaN(Date.parse(body.meta.timestamp))).toBe(false);
  });

  it('answers paths outside /api and constraint mismatches with 404', async () => {
    expect((await fetch(`${host.url}/fx/items/42`)).status).toBe(404);
    expect((await fetch(`${host.url}/apix/fx/items/42`)).status).toBe(404);
    const res = await fetch(api('fx/ctx/not-a-guid'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('keeps a well-formed client request id on a 404', async () => {
    const res = await fetch(api('nothing-here'), { headers: { 'X-Request-Id': 'client-req-12345' } });
    expect(res.headers.get('x-request-id')).toBe('client-req-12345');
    expect(((await res.json()) as { meta: { request_id: string } }).meta.request_id).toBe('client-req-12345');
  });

  it('answers a known path with the wrong method with 405, Allow and the error envelope', async () => {
    const res = await fetch(api('fx/items/search'), { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('DELETE, GET, PUT');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = (await res.json()) as { error: { code: string; details: unknown[] } };
    expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(body.error.details).toEqual([]);
  });

  it('sends a handler status and headers with no body for 204', async () => {
    const res = await fetch(api('fx/items/abc'), { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-deleted')).toBe('abc');
    expect(await res.text()).toBe('');
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(api('fx/ctx/3f2504e0-4f89-11d3-9a0c-0305e82c3301'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fn')).toBe('fx-context');
    expect(await res.text()).toBe('');
  });

  it('passes catch-all parameters', async () => {
    expect(await (await fetch(api('fx/files/a/b/c.txt'))).json()).toEqual({ path: 'a/b/c.txt' });
    expect(await (await fetch(api('fx/files'))).json()).toEqual({ path: null });
  });

  it('answers a handler that returns nothing with 204', async () => {
    const res = await fetch(api('fx/nothing'));
    expect(res.status).toBe(204);
  });

  it('turns a thrown handler error into a bare 500 INTERNAL envelope that leaks nothing', async () => {
    const res = await fetch(api('fx/throw'), { headers: { 'X-Request-Id': 'client-req-boom-1' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('client-req-boom-1');
    const text = await res.text();
    expect(text).not.toMatch(/secret|AccountKey|Error:|at /);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'INTERNAL', details: [] }, meta: { request_id: 'client-req-boom-1' } });
  });

  it('streams a response body and sets cookies', async () => {
    const res = await fetch(api('fx/stream-out'));
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toBe('a=1; HttpOnly');
    expect(await res.text()).toBe('alpha,beta,gamma');
  });

  it('streams a large upload through chunk by chunk', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(7);
    let sent = 0;
    const total = 64; // 16 MiB
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < total) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(api('fx/count'), { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    const result = (await res.json()) as { bytes: number; chunks: number };
    expect(result.bytes).toBe(total * chunk.byteLength);
    expect(result.chunks).toBeGreaterThan(1);
  });

  it('streams request and response at once: the echo of the first chunk arrives before the second is sent', async () => {
    const url = new URL(api('fx/echo'));
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' } }, (res) => {
        let text = '';
        let sentSecond = false;
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          // Only now, with the first part echoed back, does the client send the rest.
          if (!sentSecond && text.includes('first|')) {
            sentSecond = true;
            req.end('second');
          }
        });
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.write('first|');
    });
    expect(echoed).toBe('first|second');
  });

  it('lets a handler refuse an oversized body mid-stream and still deliver its answer', async () => {
    const big = new Uint8Array(2 * 1024 * 1024).fill(1);
    const res = await fetch(api('fx/limited'), { method: 'POST', body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // The connection stays usable for the next request.
    expect((await fetch(api('fx/items/1'))).status).toBe(200);
  });

  it('keeps a keep-alive connection usable after a handler ignores a large request body', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 }); // both requests share one socket
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const r = httpRequest(api(path), { method, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        r.on('error', reject);
        r.end(body);
      });
    try {
      expect(await send('PUT', 'fx/items/1', Buffer.alloc(1024 * 1024, 1))).toBe(204);
      expect(await send('GET', 'fx/items/2')).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
