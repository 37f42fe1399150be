import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { Flusher, OutboundMessage, type Writable } from '../../local/web-pubsub/outbound';

describe('Web PubSub stand-in fan-out (serialise once, write once per turn)', () => {
  it('builds the numbered frame as { ...message, sequenceId }, once per sequence id', () => {
    const message = { type: 'message', from: 'group', group: 'tenant:t1', dataType: 'json', data: { a: [1, 'x'], s: 'é"}' } };
    const m = new OutboundMessage(message);
    expect(JSON.parse(m.plain().toString())).toEqual(message);
    expect(m.numbered(7).toString()).toBe(JSON.stringify({ ...message, sequenceId: 7 }));
    expect(m.numbered(7)).toBe(m.numbered(7)); // one Buffer shared by every connection at seq 7
    expect(m.numbered(8)).not.toBe(m.numbered(7));
    expect(() => new OutboundMessage({ type: 'message', sequenceId: 1 })).toThrow();
  });

  it('queues frames and writes a burst to one connection in order, corked into one write', async () => {
    const sent: string[] = [];
    const calls: string[] = [];
    const socket = {
      OPEN: 1,
      readyState: 1,
      send: (frame: Buffer, opts: { binary: boolean }) => {
        expect(opts.binary).toBe(false); // text frames, as the json subprotocols need
        sent.push(frame.toString());
        calls.push('send');
      },
      _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
    } as unknown as WebSocket;
    const c: Writable = { socket, outbox: [] };
    const flusher = new Flusher();
    for (const f of ['a', 'b', 'c']) flusher.write(c, Buffer.from(f));
    expect(sent).toEqual([]); // nothing is written inside the I/O phase that queued it
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual(['cork', 'send', 'send', 'send', 'uncork']);
    expect(c.outbox).toEqual([]);
  });

  it('drops queued frames for a socket that closed meanwhile', async () => {
    const sent: string[] = [];
    const socket = { OPEN: 1, readyState: 3, send: (f: Buffer) => sent.push(f.toString()) } as unknown as WebSocket;
    const c: Writable = { socket, outbox: [] };
    new Flusher().write(c, Buffer.from('x'));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([]);
    expect(c.outbox).toEqual([]);
  });
});
