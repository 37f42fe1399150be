/**
 * The load process of `npm run bench:realtime`: opens N real @azure/web-pubsub-client connections,
 * each through GET /v1/realtime/negotiate, and times every space.created it receives (receipt
 * minus the event's timestamp; both clocks are this machine's). Talks to the parent over IPC; the
 * parent runs several of these, each with its share of the clients.
 */
import { WebPubSubClient } from '@azure/web-pubsub-client';

const [api = '', key = '', countArg = '0', concurrencyArg = '100'] = process.argv.slice(2);
const count = Number(countArg);
const OPEN_CONCURRENCY = Number(concurrencyArg);

type Msg = { cmd: 'report' } | { cmd: 'stop' };
const send = (m: unknown): void => {
  process.send?.(m);
};

async function negotiate(): Promise<string> {
  const r = await fetch(`${api}/v1/realtime/negotiate`, { headers: { 'x-api-key': key } });
  if (r.status !== 200) throw new Error(`negotiate answered ${r.status}`);
  return ((await r.json()) as { data: { url: string } }).data.url;
}

async function main(): Promise<void> {
  const clients: WebPubSubClient[] = [];
  const latencies: number[] = [];
  const received = new Set<string>();
  const before = process.memoryUsage().rss;
  let next = 0;
  let failed = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: OPEN_CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const c = new WebPubSubClient({ getClientAccessUrl: negotiate }, { autoReconnect: false });
        c.on('group-message', (e) => {
          const ev = e.message.data as { event_id?: string; timestamp?: string };
          if (typeof ev.timestamp !== 'string' || typeof ev.event_id !== 'string') return;
          latencies.push(Date.now() - Date.parse(ev.timestamp));
          received.add(ev.event_id);
        });
        try {
          await c.start();
          clients.push(c);
        } catch {
          failed++;
        }
      }
    }),
  );
  send({
    cmd: 'ready',
    connected: clients.length,
    failed,
    openSeconds: (Date.now() - started) / 1_000,
    rssPerClient: (process.memoryUsage().rss - before) / Math.max(1, clients.length),
  });
  process.on('message', (m: Msg) => {
    if (m.cmd === 'report') {
      // The raw figures: the parent merges the load processes' receipts into one distribution.
      send({ cmd: 'report', latencies, events: [...received] });
    } else {
      for (const c of clients) c.stop();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
