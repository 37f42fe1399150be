/**
 * The client side of the stand-in: one WebSocket speaking `json.webpubsub.azure.v1` or
 * `json.reliable.webpubsub.azure.v1`. Handles joinGroup, leaveGroup, sendToGroup, event,
 * sequenceAck and ping frames from the client.
 */
import type { RawData } from 'ws';
import { hasRole, type Connection, type HubState } from './hub-state';
import { OutboundMessage } from './outbound';

export const JSON_PROTOCOL = 'json.webpubsub.azure.v1';
export const RELIABLE_PROTOCOL = 'json.reliable.webpubsub.azure.v1';

type Frame = Record<string, unknown>;

function ack(c: Connection, ackId: unknown, error?: { name: string; message: string }): void {
  if (typeof ackId !== 'number') return;
  c.control(error ? { type: 'ack', ackId, success: false, error } : { type: 'ack', ackId, success: true });
}

/** Sends a group message to every member (optionally not to the sender). */
export function sendToGroupMembers(state: HubState, hub: string, group: string, body: Frame, except?: Set<string>): void {
  const message = new OutboundMessage({ type: 'message', from: 'group', group, ...body });
  for (const m of state.of(hub, (x) => x.groups.has(group) && !except?.has(x.id))) m.deliver(message);
}

/** The frame every reliable client sends each second, as the client SDK writes it. */
const SEQUENCE_ACK = /^\{"type":"sequenceAck","sequenceId":(\d{1,15})\}$/;

export function handleClientFrame(state: HubState, c: Connection, raw: RawData): void {
  const text = (Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw)).toString();
  // 10,000 clients ack 10,000 times a second: the common frame skips JSON.parse.
  const acked = text.length < 64 ? SEQUENCE_ACK.exec(text) : null;
  if (acked) return c.acknowledge(Number(acked[1]));
  let f: Frame;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    f = parsed as Frame;
  } catch {
    return; // Azure ignores frames it cannot parse.
  }
  const group = typeof f.group === 'string' ? f.group : undefined;
  // A repeated ackId is answered Duplicate without doing the work again.
  if (typeof f.ackId === 'number' && ['joinGroup', 'leaveGroup', 'sendToGroup', 'event'].includes(String(f.type)) && !c.firstAck(f.ackId)) {
    ack(c, f.ackId, { name: 'Duplicate', message: 'Message with ack-id has been processed.' });
    return;
  }
  switch (f.type) {
    case 'sequenceAck':
      if (typeof f.sequenceId === 'number') c.acknowledge(f.sequenceId);
      return;
    case 'ping':
      c.control({ type: 'pong' });
      return;
    case 'joinGroup':
    case 'leaveGroup':
      if (!group) return ack(c, f.ackId, { name: 'BadRequest', message: 'group is required.' });
      if (!hasRole(c, 'joinLeaveGroup', group)) return ack(c, f.ackId, { name: 'Forbidden', message: `No permission to ${String(f.type)} '${group}'.` });
      if (f.type === 'joinGroup') c.groups.add(group);
      else c.groups.delete(group);
      return ack(c, f.ackId);
    case 'sendToGroup': {
      if (!group) return ack(c, f.ackId, { name: 'BadRequest', message: 'group is required.' });
      if (!hasRole(c, 'sendToGroup', group)) return ack(c, f.ackId, { name: 'Forbidden', message: `No permission to send to '${group}'.` });
      const body: Frame = { dataType: f.dataType ?? 'json', data: f.data };
      if (c.userId) body.fromUserId = c.userId;
      sendToGroupMembers(state, c.hub, group, body, f.noEcho === true ? new Set([c.id]) : undefined);
      return ack(c, f.ackId);
    }
    case 'event':
      // No upstream event handler exists locally: the event is accepted and dropped (documented).
      return ack(c, f.ackId);
    default:
      return;
  }
}
