/**
 * A stand-in for Application Insights' ingestion (Breeze `/v2.1/track`, gzip'd JSON arrays of
 * envelopes) and live-metrics endpoints on 127.0.0.1, so the real exporter can be pointed at it
 * through the connection string's IngestionEndpoint and LiveEndpoint. The exporter always speaks
 * https, so the stand-in does too, with the (self-signed, expired) certificate the Cosmos emulator
 * package ships; the test that uses it turns certificate checks off for its own process only.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface Envelope {
  name: string;
  time: string;
  iKey?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

export interface IngestionStub {
  connectionString: string;
  port: number;
  envelopes: Envelope[];
  /** Paths of every request (track and live metrics). */
  paths: string[];
  ofType(baseType: string): Envelope[];
  close(): Promise<void>;
}

export async function startIngestionStub(): Promise<IngestionStub> {
  const envelopes: Envelope[] = [];
  const paths: string[] = [];
  const certDir = dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
  const tls = { cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) };
  const server = https.createServer(tls, (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      if (req.url?.includes('/track')) {
        const text = raw.toString('utf8').trim();
        // A JSON array, or one envelope per line.
        const items = (text.startsWith('[') ? JSON.parse(text) : text.split('\n').map((l) => JSON.parse(l))) as Envelope[];
        envelopes.push(...items);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
        return;
      }
      // Live metrics ping/post: "not subscribed", so the SDK keeps pinging slowly.
      res.writeHead(200, { 'x-ms-qps-subscribed': 'false' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connectionString: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/;LiveEndpoint=https://127.0.0.1:${port}/`,
    envelopes,
    paths,
    ofType: (t) => envelopes.filter((e) => e.data?.baseType === t),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
