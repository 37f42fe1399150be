/**
 * Without APPLICATIONINSIGHTS_CONNECTION_STRING nothing starts: applicationinsights is never loaded,
 * no span is exported, and the whole flow connects to loopback only. The trace context is carried
 * all the same (the webhook request continues the client's trace), and logs name it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardNetwork, type NetworkGuard } from '../helpers/network-guard';
import { startIngestionStub, type IngestionStub } from '../helpers/ingestion-stub';
import { startTelemetry, telemetryStarted } from '../../src/shared/telemetry/telemetry';
import type { TracedFlow } from '../helpers/telemetry-flow';

let guard: NetworkGuard;
let ingestion: IngestionStub;
let flow: TracedFlow;
let started: boolean;

const loaded = (pkg: string) => Object.keys(require.cache).some((k) => k.includes(`/node_modules/${pkg}/`));

beforeAll(async () => {
  guard = guardNetwork();
  ingestion = await startIngestionStub();
  delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  started = startTelemetry();
  const { runChangeToDeliveryFlow } = await import('../helpers/telemetry-flow.js');
  flow = await runChangeToDeliveryFlow();
});

afterAll(async () => {
  await flow?.stop();
  await ingestion?.close();
  guard?.restore();
});

describe('telemetry without a connection string', () => {
  it('does not start, and never loads applicationinsights', () => {
    expect(started).toBe(false);
    expect(telemetryStarted()).toBe(false);
    expect(loaded('applicationinsights')).toBe(false);
    expect(loaded('@azure/monitor-opentelemetry')).toBe(false);
    // A package the flow loaded is seen (so the checks above can tell a loaded package).
    expect(loaded('@azure/functions')).toBe(true);
    expect(ingestion.envelopes).toEqual([]);
    expect(ingestion.paths).toEqual([]);
  });

  it('still carries the client trace into the webhook request', () => {
    const tp = flow.delivered.headers.traceparent ?? '';
    expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(tp.split('-')[1]).toBe(flow.traceId);
  });

  it('connects to loopback only (and did connect: the guard sees traffic)', () => {
    expect(guard.attempts.filter((a) => a.kind === 'tcp').length).toBeGreaterThan(0);
    expect(guard.blocked()).toEqual([]);
  });
});
