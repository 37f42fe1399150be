/**
 * With a connection string whose IngestionEndpoint and LiveEndpoint are a stand-in on 127.0.0.1,
 * the real exporter receives the request, dependency and metric envelopes of a real flow (change
 * -> queue -> delivery), all in the client's trace; and nothing else is contacted: no instance
 * metadata (169.254.169.254), no statsbeat, no Microsoft endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardNetwork, type NetworkGuard } from '../helpers/network-guard';
import { startIngestionStub, type Envelope, type IngestionStub } from '../helpers/ingestion-stub';
import { flushTelemetry, startTelemetry, stopTelemetry, telemetryStarted } from '../../src/shared/telemetry/telemetry';
import { inSpan } from '../../src/shared/telemetry/trace';
import type { TracedFlow } from '../helpers/telemetry-flow';

let guard: NetworkGuard;
let ingestion: IngestionStub;
let flow: TracedFlow;

const opId = (e: Envelope) => e.tags?.['ai.operation.id'];
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const nameOf = (e: Envelope) => str(e.data?.baseData?.name);
const idOf = (e: Envelope | undefined) => str(e?.data?.baseData?.id);
const parentOf = (e: Envelope | undefined) => e?.tags?.['ai.operation.parentId'];

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(ingestion.envelopes.map((e) => [e.data?.baseType, nameOf(e), opId(e)]))}`);
    await flushTelemetry();
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // Before anything else: every connection from here on is seen.
  guard = guardNetwork();
  ingestion = await startIngestionStub();
  // The stand-in's certificate is self-signed (loopback only; nothing else in this process uses TLS).
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  process.env.APPLICATIONINSIGHTS_CONNECTION_STRING = ingestion.connectionString;
  // Before the Azure SDKs are loaded (the flow module loads them), as src/index.ts does in Azure.
  expect(startTelemetry()).toBe(true);
  const { runChangeToDeliveryFlow } = await import('../helpers/telemetry-flow.js');
  flow = await runChangeToDeliveryFlow();
  await flushTelemetry();
});

afterAll(async () => {
  await flow?.stop();
  await stopTelemetry();
  delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  await ingestion?.close();
  guard?.restore();
});

describe('telemetry with a connection string (ingestion on loopback)', () => {
  it('starts', () => {
    expect(telemetryStarted()).toBe(true);
  });

  it('sends the request envelopes of the HTTP request and of each queue consumer, chained in the client trace', async () => {
    const inTrace = (name: string) => ingestion.ofType('RequestData').find((e) => nameOf(e) === name && opId(e) === flow.traceId);
    await until(() => ['POST /api/v1/spaces', 'events-fanout', 'webhook-deliver'].every((n) => inTrace(n)), 'the requests of the flow');
    const http = inTrace('POST /api/v1/spaces');
    expect(http?.data?.baseData?.responseCode).toBe('201');
    expect(http?.data?.baseData?.success).toBe(true);
    // change -> queue -> delivery: each consumer's parent is the span that sent its message.
    expect(parentOf(inTrace('events-fanout'))).toBe(idOf(http));
    expect(parentOf(inTrace('webhook-deliver'))).toBe(idOf(inTrace('events-fanout')));
  });

  it('sends dependency envelopes: the webhook POST (whose traceparent the receiver got) and the Azure SDK calls', async () => {
    const hookDep = () => ingestion.ofType('RemoteDependencyData').find((e) => e.data?.baseData?.type === 'Http' && nameOf(e) === 'POST /hook');
    await until(() => hookDep() !== undefined, 'the webhook dependency');
    const webhook = hookDep();
    expect(opId(webhook as Envelope)).toBe(flow.traceId);
    expect(webhook?.data?.baseData?.resultCode).toBe('200');
    const deliver = ingestion.ofType('RequestData').find((e) => nameOf(e) === 'webhook-deliver' && opId(e) === flow.traceId);
    expect(parentOf(webhook)).toBe(idOf(deliver));
    // The receiver's traceparent is the webhook dependency's own span, in the client's trace.
    const tp = flow.delivered.headers.traceparent ?? '';
    expect(tp.split('-')[1]).toBe(flow.traceId);
    expect(idOf(webhook)).toBe(tp.split('-')[2]);
    // Service Bus through the Azure SDK instrumentation: the event's send, under the HTTP request.
    const http = ingestion.ofType('RequestData').find((e) => nameOf(e) === 'POST /api/v1/spaces' && opId(e) === flow.traceId);
    const send = ingestion.ofType('RemoteDependencyData').find((e) => nameOf(e) === 'ServiceBusSender.send' && parentOf(e) === idOf(http));
    expect(send, JSON.stringify(ingestion.ofType('RemoteDependencyData').map(nameOf))).toBeDefined();
    // Redis (the rate limiter) under the HTTP request too.
    const redis = ingestion.ofType('RemoteDependencyData').find((e) => parentOf(e) === idOf(http) && /redis/i.test(String(e.data?.baseData?.type)));
    expect(redis, JSON.stringify(ingestion.ofType('RemoteDependencyData').map((d) => [nameOf(d), d.data?.baseData?.type]))).toBeDefined();
  });

  it('sends the custom metric of the delivery', async () => {
    await until(
      () => ingestion.ofType('MetricData').some((e) => JSON.stringify(e.data?.baseData?.metrics ?? []).includes('webhook.delivery')),
      'the webhook.delivery metric',
    );
    const m = ingestion.ofType('MetricData').find((e) => JSON.stringify(e.data?.baseData?.metrics ?? []).includes('webhook.delivery'));
    expect(m?.data?.baseData?.properties).toMatchObject({ outcome: 'success', event_type: 'space.created' });
  });

  it('sends an exception envelope for a failed span (as a 5xx request or a throwing handler records)', async () => {
    await expect(
      inSpan({ name: 'failing-invocation', kind: 'consumer' }, async () => {
        throw new Error('boom for the exporter');
      }),
    ).rejects.toThrow('boom');
    await until(() => ingestion.ofType('ExceptionData').some((e) => JSON.stringify(e).includes('boom for the exporter')), 'the exception');
    const exception = ingestion.ofType('ExceptionData').find((e) => JSON.stringify(e).includes('boom for the exporter'));
    await until(() => ingestion.ofType('RequestData').some((e) => opId(e) === opId(exception as Envelope)), 'the failed request');
    const failed = ingestion.ofType('RequestData').find((e) => opId(e) === opId(exception as Envelope));
    expect(failed?.data?.baseData?.success).toBe(false);
  });

  it('contacts loopback only: no instance metadata, statsbeat or Microsoft endpoint', () => {
    expect(guard.attempts.some((a) => a.kind === 'tcp' && a.port === ingestion.port)).toBe(true);
    expect(guard.blocked()).toEqual([]);
  });
});
