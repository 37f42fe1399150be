import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local/host';
import { resetConfig } from '../../src/shared/config';

let host: LocalHost;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, { BODY_TIMEOUT_MS: '500', MAX_REQUEST_BODY_BYTES: '1024', LOG_LEVEL: 'silent' });
  resetConfig();
  host = await startLocalHost({ port: 0, functionFiles: [join(__dirname, '..', 'fixtures', 'functions', 'body-fixtures.ts')] });
});
afterAll(async () => {
  await host.stop();
  process.env = saved;
  resetConfig();
});

interface Exchange {
  /** Everything the server sent, until it closed the connection. */
  received: string;
  /** Whether the client was still sending when the response began. */
  sendingWhenAnswered: boolean;
}

/**
 * Opens a raw loopback socket, writes `head`, then `body` parts every `everyMs` (forever with
 * `repeat`), reading all the while; resolves when the server closes the connection.
 */
function exchange(head: string, body: { part?: Buffer; everyMs?: number; repeat?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const s = connect(host.port, '127.0.0.1');
    let received = '';
    let sending = body.part !== undefined;
    let sendingWhenAnswered = false;
    let timer: NodeJS.Timeout | undefined;
    s.on('data', (d) => {
      if (received === '') sendingWhenAnswered = sending;
      received += d.toString('latin1');
    });
    s.on('error', () => undefined); // a reset after the answer is what lingering bounds
    s.on('close', () => {
      clearInterval(timer);
      resolve({ received, sendingWhenAnswered });
    });
    s.once('connect', () => {
      s.write(head);
      if (!body.part) return;
      s.write(body.part);
      if (!body.repeat) {
        sending = false;
        return;
      }
      timer = setInterval(() => {
        if (!s.destroyed && s.writable) s.write(body.part!);
      }, body.everyMs ?? 10);
    });
    setTimeout(() => reject(new Error(`no close; got ${received.slice(0, 200)}`)), 15_000).unref();
  });
}

const post = (length: number | 'chunked', extra = ''): string =>
  `POST /api/fx/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${
    length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`
  }\r\n${extra}\r\n`;

const statusAndCode = (raw: string): [number, string | undefined] => {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const json = body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1);
  return [status, json ? (JSON.parse(json) as { error?: { code: string } }).error?.code : undefined];
};

describe('slow and lying request bodies, on raw sockets: a 4xx envelope, then the connection closes', () => {
  it('cuts a body shorter than its Content-Length, and a slow drip, with 408; oversized gets 413 while still sending; big headers 431', async () => {
    const [short, drip, oversized, oversizedChunked, bigHeaders, garbage] = await Promise.all([
      exchange(post(100), { part: Buffer.from('{"text":') }),
      exchange(post(1000), { part: Buffer.from(' '), everyMs: 100, repeat: true }),
      exchange(post(50 * 1024 * 1024), { part: Buffer.alloc(64 * 1024, 0x20), everyMs: 5, repeat: true }),
      exchange(post('chunked'), { part: Buffer.from(`4000\r\n${' '.repeat(0x4000)}\r\n`), everyMs: 5, repeat: true }),
      exchange(`GET /api/fx/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      exchange('NOT HTTP AT ALL\r\n\r\n'),
    ]);
    expect(statusAndCode(short.received)).toEqual([408, 'REQUEST_TIMEOUT']);
    expect(statusAndCode(drip.received)).toEqual([408, 'REQUEST_TIMEOUT']);
    expect(drip.sendingWhenAnswered).toBe(true);
    expect(statusAndCode(oversized.received)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(oversized.sendingWhenAnswered).toBe(true);
    expect(statusAndCode(oversizedChunked.received)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(statusAndCode(bigHeaders.received)).toEqual([431, 'HEADERS_TOO_LARGE']);
    expect(statusAndCode(garbage.received)).toEqual([400, 'VALIDATION_ERROR']);
    // Each answer is one complete response with the envelope's meta.
    for (const x of [short, drip, oversized, bigHeaders]) expect(x.received).toMatch(/"request_id":"[^"]+"/);
  });

  it('still answers a well-formed request normally', async () => {
    const res = await fetch(`${host.url}/api/fx/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual({ text: 'hi' });
  });
});
