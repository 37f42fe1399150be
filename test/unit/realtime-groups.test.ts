import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../src/shared/core/events';
import { groupsForEvent, spaceGroup, tenantGroup } from '../../src/shared/core/realtime-groups';
import { isPushMessage, pushRetryDelaySeconds } from '../../src/shared/realtime/push';

describe('real-time groups', () => {
  it('space events go to the tenant and the space; other space events to the space; the rest nowhere', () => {
    expect(groupsForEvent(makeEvent('space.created', 't1', { space: { id: 's1' } }, 's1'))).toEqual([tenantGroup('t1'), spaceGroup('s1')]);
    expect(groupsForEvent(makeEvent('document.added', 't1', { document: { id: 'd1' } }, 's1'))).toEqual(['space:s1']);
    expect(groupsForEvent(makeEvent('query.completed', 't1', { query: { id: 'q1' } }, 's1'))).toEqual(['space:s1']);
    expect(groupsForEvent(makeEvent('webhook.test', 't1', { webhook_id: 'whk_1', message: 'hi' }))).toEqual([]);
  });

  it('push retries back off 1, 2, 4 … and cap at 30 s; malformed push messages are recognised', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(pushRetryDelaySeconds)).toEqual([1, 2, 4, 8, 16, 30, 30]);
    const event = makeEvent('space.created', 't1', { space: { id: 's1' } }, 's1');
    expect(isPushMessage({ event, groups: ['tenant:t1'], attempt: 1 })).toBe(true);
    for (const bad of [
      null,
      'x',
      { event, groups: 'tenant:t1', attempt: 1 },
      { event, groups: [1], attempt: 1 },
      { event: {}, groups: [], attempt: 1 },
      { event, groups: [] },
    ]) {
      expect(isPushMessage(bad)).toBe(false);
    }
  });
});
