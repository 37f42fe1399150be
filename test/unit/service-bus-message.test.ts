import { describe, expect, it } from 'vitest';
import { toServiceBusMessage } from '../../src/shared/adapters/service-bus';
import { makeEvent } from '../../src/shared/core/events';

describe('Service Bus message mapping', () => {
  it('maps an event: id = event id, subject = type, tenant in application properties', () => {
    const event = makeEvent('space.created', 'tenant-a', { space: { id: 'spc_1' } }, 'spc_1');
    const m = toServiceBusMessage(event);
    expect(m.messageId).toBe(event.event_id);
    expect(m.subject).toBe('space.created');
    expect(m.applicationProperties).toEqual({ tenantId: 'tenant-a' });
    expect(m.contentType).toBe('application/json');
    expect(m.body).toBe(event);
  });

  it('explicit options win, and extra properties are kept', () => {
    const event = makeEvent('space.deleted', 'tenant-b', { space: { id: 'spc_2' } });
    const m = toServiceBusMessage(event, { messageId: 'dlv_1', subject: 'delivery', applicationProperties: { attempt: 2 } });
    expect(m).toMatchObject({ messageId: 'dlv_1', subject: 'delivery', applicationProperties: { tenantId: 'tenant-b', attempt: 2 } });
  });

  it('a non-event body carries only what the options give', () => {
    const m = toServiceBusMessage({ deliveryId: 'x' });
    expect(m.messageId).toBeUndefined();
    expect(m.subject).toBeUndefined();
    expect(m.applicationProperties).toBeUndefined();
    expect(m.body).toEqual({ deliveryId: 'x' });
  });
});
