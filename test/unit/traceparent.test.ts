import { describe, expect, it } from 'vitest';
import { childOf, formatTraceparent, parseTraceparent } from '../../src/shared/core/traceparent';
import { toServiceBusMessage } from '../../src/shared/adapters/service-bus';
import { messageTraceparent } from '../../src/shared/telemetry/invocation-hook';
import { currentTraceparent, inSpan } from '../../src/shared/telemetry/trace';
import { metrics, noopMetrics, setMetrics } from '../../src/shared/metrics';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses and formats the W3C header', () => {
    const t = parseTraceparent(TP);
    expect(t).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
    expect(formatTraceparent(t!)).toBe(TP);
    expect(parseTraceparent(TP.toUpperCase())).toEqual(t);
  });
  it('refuses malformed values, version ff, all-zero ids, and extra fields on version 00', () => {
    for (const bad of [
      undefined,
      '',
      'x',
      TP.slice(0, 54),
      `ff${TP.slice(2)}`,
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      `${TP}-extra`,
      'zz' + TP.slice(2),
    ])
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    // A later version may append fields.
    expect(parseTraceparent(`01${TP.slice(2)}-more`)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
  it('a child keeps the trace and flags with a new span id; no parent starts a sampled trace', () => {
    const parent = parseTraceparent(TP)!;
    const c = childOf(parent);
    expect(c.traceId).toBe(parent.traceId);
    expect(c.spanId).not.toBe(parent.spanId);
    expect(childOf(undefined)).toMatchObject({ flags: 1 });
  });
});

describe('trace context without telemetry', () => {
  it('inSpan continues a remote parent and nests; outside a span there is none', async () => {
    expect(currentTraceparent()).toBeUndefined();
    await inSpan({ name: 'r', kind: 'server', parent: TP }, async (outer) => {
      expect(outer.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(currentTraceparent()).toBe(outer.traceparent);
      await inSpan({ name: 'c', kind: 'client' }, async (inner) => {
        expect(inner.traceId).toBe(outer.traceId);
        expect(inner.traceparent).not.toBe(outer.traceparent);
      });
    });
    // A malformed parent starts a new trace rather than failing.
    await inSpan({ name: 'r', kind: 'server', parent: 'garbage' }, async (s) => expect(s.traceId).toMatch(/^[0-9a-f]{32}$/));
  });
  it('messages carry it as traceparent and Diagnostic-Id; consumers read either (camel-cased too)', () => {
    const m = toServiceBusMessage({ a: 1 }, { traceparent: TP });
    expect(m.applicationProperties).toMatchObject({ traceparent: TP, 'Diagnostic-Id': TP });
    expect(toServiceBusMessage({ a: 1 }).applicationProperties).toBeUndefined();
    expect(messageTraceparent({ applicationProperties: { traceparent: TP } })).toBe(TP);
    expect(messageTraceparent({ applicationProperties: { 'diagnostic-Id': TP } })).toBe(TP);
    expect(messageTraceparent({ applicationPropertiesArray: [{ traceparent: TP }] })).toBe(TP);
    expect(messageTraceparent({})).toBeUndefined();
  });
});

describe('metrics port', () => {
  it('is a no-op by default and forwards to what is installed', () => {
    expect(metrics()).toBe(noopMetrics);
    const seen: unknown[] = [];
    setMetrics({ count: (n, a, v) => seen.push(['count', n, a, v]), record: (n, v, a, u) => seen.push(['record', n, v, a, u]) });
    metrics().count('webhook.delivery', { outcome: 'success' });
    metrics().record('query.duration', 12, { mode: 'extractive' }, 'ms');
    setMetrics(undefined);
    metrics().count('ignored');
    expect(seen).toEqual([
      ['count', 'webhook.delivery', { outcome: 'success' }, undefined],
      ['record', 'query.duration', 12, { mode: 'extractive' }, 'ms'],
    ]);
  });
});
