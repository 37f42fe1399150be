/**
 * A real HTTP receiver on 127.0.0.1 (a free port) for webhook tests, the bench and local
 * development (point a webhook at it to watch deliveries). It records
 * every request and verifies each signature with the `standardwebhooks` library, the
 * verifier a customer would use, so tests never trust this project's own signing code.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** Parsed body (the event envelope). */
  json: Record<string, unknown>;
  /** performance.now() when the body was complete. */
  receivedAt: number;
  /** Secrets (of `secrets`) whose verification passed. */
  verifiedWith: string[];
  path: string;
}

export type ReceiverReply =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Accept the request and never answer (a receiver that times out). */
  | { hang: true };

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Secrets to verify with; set or change them at any time. */
  secrets: string[];
  /** Per-path secrets (e.g. one webhook per path); when a path has an entry, only those are tried. */
  secretsByPath: Map<string, string[]>;
  /** How to answer the n-th request (0-based); default 200. */
  reply: (n: number, req: ReceivedWebhook) => ReceiverReply;
  /** Resolves with at least `count` (>= 1) matching webhooks, in arrival order. */
  waitFor(count: number, timeoutMs?: number, filter?: (r: ReceivedWebhook) => boolean): Promise<[ReceivedWebhook, ...ReceivedWebhook[]]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { verify?: boolean } = {}): Promise<WebhookReceiver> {
  const verify = options.verify ?? true;
  const hanging = new Set<http.ServerResponse>();
  let n = 0;
  const waiters = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received: [],
    secrets: [],
    secretsByPath: new Map(),
    reply: () => ({ status: 200 }),
    async waitFor(count, timeoutMs = 10_000, filter = () => true) {
      if (count < 1) throw new RangeError('waitFor needs a count of at least 1');
      const matching = (): [ReceivedWebhook, ...ReceivedWebhook[]] => {
        const [first, ...rest] = receiver.received.filter(filter);
        // Callers return this only once `count` (>= 1) have arrived.
        return [first!, ...rest];
      };
      if (receiver.received.filter(filter).length >= count) return matching();
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (receiver.received.filter(filter).length >= count) {
            clearTimeout(t);
            waiters.delete(check);
            resolve();
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${receiver.received.filter(filter).length} of ${count} expected webhooks`));
        }, timeoutMs);
        waiters.add(check);
      });
      return matching();
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const path = req.url ?? '/';
      const candidates = receiver.secretsByPath.get(path) ?? receiver.secrets;
      const verifiedWith = verify
        ? candidates.filter((s) => {
            try {
              new Webhook(s).verify(body, headers);
              return true;
            } catch {
              return false;
            }
          })
        : [];
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        /* recorded as received; tests assert on json */
      }
      const rec: ReceivedWebhook = { headers, body, json, receivedAt: performance.now(), verifiedWith, path };
      const answer = receiver.reply(n++, rec);
      receiver.received.push(rec);
      for (const w of [...waiters]) w();
      if ('hang' in answer) {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}
