/** Test helper: the real @azure/web-pubsub-client connected through the API's negotiate. */
import { WebPubSubClient, type OnGroupDataMessageArgs } from '@azure/web-pubsub-client';
import { call } from './api-call';

export interface RealtimeTestClient {
  client: WebPubSubClient;
  /** Every group message received, in arrival order. */
  messages: OnGroupDataMessageArgs['message'][];
  /** Connection ids in the order the client was connected (a fresh start adds one). */
  connections: string[];
  /** Resolves when `count` messages matching `filter` have arrived. */
  waitFor(count: number, filter?: (data: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  stop(): void;
}

export async function negotiateUrl(api: string, apiKey: string, spaceIds: string[] = []): Promise<string> {
  const q = spaceIds.map((s) => `space_id=${encodeURIComponent(s)}`).join('&');
  const r = await call(`${api}/v1/realtime/negotiate${q ? `?${q}` : ''}`, { headers: { 'x-api-key': apiKey } });
  if (r.status !== 200) throw new Error(`negotiate answered ${r.status}: ${JSON.stringify(r.body)}`);
  return String(r.body.data.url);
}

export async function connectRealtime(api: string, apiKey: string, spaceIds: string[] = []): Promise<RealtimeTestClient> {
  // No message retries: a refused joinGroup fails at once instead of after the client's backoff.
  const client = new WebPubSubClient({ getClientAccessUrl: () => negotiateUrl(api, apiKey, spaceIds) }, { messageRetryOptions: { maxRetries: 0 } });
  const messages: OnGroupDataMessageArgs['message'][] = [];
  const connections: string[] = [];
  client.on('group-message', (e) => messages.push(e.message));
  client.on('connected', (e) => connections.push(e.connectionId));
  await client.start();
  const dataOf = (): Record<string, unknown>[] => messages.map((m) => m.data as Record<string, unknown>);
  return {
    client,
    messages,
    connections,
    waitFor: async (count, filter = () => true, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const got = dataOf().filter(filter);
        if (got.length >= count) return got;
        if (Date.now() > until) throw new Error(`timed out waiting for ${count} real-time messages (got ${got.length})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => client.stop(),
  };
}
