/**
 * The outbound HTTP call of a webhook delivery: one POST to an address the SSRF guard has
 * already checked. The socket connects to that address (the `lookup` hook answers with it),
 * while the URL's host name still goes in the Host header and TLS SNI, so certificate checks
 * work and a second DNS answer can never be used. Redirects are never followed (node:http
 * does not follow them; a 3xx is reported as a failure). The whole call is bounded by a
 * deadline that also covers a receiver that accepts the connection and never answers.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { parseRetryAfter } from '../core/retry-schedule';
import type { WebhookTarget } from '../core/ssrf';
import { inSpan } from '../telemetry/trace';

export type WebhookErrorCode =
  | 'TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'HOST_UNREACHABLE'
  | 'TLS_ERROR'
  | 'REDIRECT_NOT_FOLLOWED'
  | 'HTTP_ERROR'
  | 'TARGET_REFUSED'
  | 'DNS_FAILURE'
  | 'NETWORK_ERROR';

export interface WebhookPostResult {
  ok: boolean;
  /** The receiver's status; null when no response arrived. */
  statusCode: number | null;
  durationMs: number;
  retryAfterSeconds?: number;
  errorCode?: WebhookErrorCode;
}

export interface WebhookPostInput {
  target: WebhookTarget;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Response bytes read (and discarded) so the connection ends cleanly; the rest is cut off. */
const MAX_RESPONSE_BYTES = 64 * 1024;

function errorCodeOf(err: NodeJS.ErrnoException): WebhookErrorCode {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'CONNECTION_REFUSED';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'CONNECTION_RESET';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'HOST_UNREACHABLE';
    case 'ETIMEDOUT':
      return 'TIMEOUT';
    default:
      if (typeof err.code === 'string' && (err.code.startsWith('ERR_TLS') || err.code.includes('CERT'))) return 'TLS_ERROR';
      return 'NETWORK_ERROR';
  }
}

const USER_AGENT = 'eva-api-webhooks/1';

// Keep-alive pools reuse connections to busy receivers. A pooled socket is one that was
// opened to a checked address, so reuse cannot bypass the guard.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 }),
};

/**
 * The POST, as a CLIENT span (a dependency in Application Insights) whose traceparent goes in the
 * request header: a receiver that traces can continue the trace of the change that caused it.
 */
export function postWebhook(input: WebhookPostInput): Promise<WebhookPostResult> {
  return inSpan(
    {
      name: `POST ${input.target.url.host}`,
      kind: 'client',
      attributes: {
        'http.request.method': 'POST',
        'server.address': input.target.url.hostname,
        // No query string: it may hold the receiver's own token.
        'url.full': `${input.target.url.origin}${input.target.url.pathname}`,
      },
    },
    async (span) => {
      const result = await post({ ...input, headers: { ...input.headers, traceparent: span.traceparent } });
      span.setAttributes({ 'http.response.status_code': result.statusCode ?? undefined, 'error.type': result.errorCode });
      if (!result.ok) span.fail();
      return result;
    },
  );
}

function post(input: WebhookPostInput): Promise<WebhookPostResult> {
  const { target, body, timeoutMs } = input;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  // Answers every DNS question of this request with the checked address (both the single
  // and the `all: true` form, which happy-eyeballs connection attempts use).
  const lookup = ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (options?.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const isHttps = target.url.protocol === 'https:';
  const transport = isHttps ? https : http;

  return new Promise<WebhookPostResult>((resolve) => {
    let settled = false;
    const finish = (r: WebhookPostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(r);
    };
    const req = transport.request(target.url, {
      method: 'POST',
      lookup,
      agent: isHttps ? agents.https : agents.http,
      headers: {
        ...input.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': USER_AGENT,
      },
    });
    const deadline = setTimeout(() => {
      finish({ ok: false, statusCode: null, durationMs: elapsed(), errorCode: 'TIMEOUT' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, statusCode: null, durationMs: elapsed(), errorCode: errorCodeOf(err) });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      const done = (): void => {
        const ok = status >= 200 && status < 300;
        const retryAfter = parseRetryAfter(res.headers['retry-after'] ?? null);
        finish({
          ok,
          statusCode: status,
          durationMs: elapsed(),
          ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
          ...(ok ? {} : { errorCode: status >= 300 && status < 400 ? 'REDIRECT_NOT_FOLLOWED' : 'HTTP_ERROR' }),
        });
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.end(body);
  });
}
