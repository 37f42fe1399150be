import { describe, expect, it } from 'vitest';
import { isValidEventTypeFilter, matchesEventType } from '../../src/shared/core/event-filter';

describe('event type filters', () => {
  it('matches exact types, families and *', () => {
    expect(matchesEventType(['space.created'], 'space.created')).toBe(true);
    expect(matchesEventType(['space.created'], 'space.deleted')).toBe(false);
    expect(matchesEventType(['space.*'], 'space.deleted')).toBe(true);
    expect(matchesEventType(['space.*'], 'spaces.deleted')).toBe(false);
    expect(matchesEventType(['space.*'], 'document.created')).toBe(false);
    expect(matchesEventType(['*'], 'anything.at_all')).toBe(true);
    expect(matchesEventType(['document.created', 'space.updated'], 'space.updated')).toBe(true);
    expect(matchesEventType([], 'space.created')).toBe(false);
  });

  it('accepts the catalogued types, families of them and * only', () => {
    for (const ok of ['*', 'space.created', 'webhook.delivery_exhausted', 'space.*', 'api_key.*', 'query.*']) expect(isValidEventTypeFilter(ok)).toBe(true);
    const malformed = ['', 'space', 'Space.Created', 'space.', '*.created', 'space.**', ' space.created', 'space created'];
    const unknown = ['a.b.c', 'document.created', 'nothing.*', 'spac.*', 'constructor', '__proto__'];
    for (const bad of [...malformed, ...unknown]) expect(isValidEventTypeFilter(bad)).toBe(false);
  });
});
