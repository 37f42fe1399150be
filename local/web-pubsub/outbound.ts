/**
 * How the stand-in writes to its connections cheaply at 10,000 of them (docs/realtime.md,
 * "Fan-out"): a message for many connections is serialised once; a reliable connection's numbered
 * frame differs only in its sequenceId, so it is built once per sequence id (connections that have
 * received the same messages share one Buffer, which their unacknowledged lists also keep); and
 * frames are not written at once but queued per connection and written in one go after the
 * current I/O phase (setImmediate), the socket corked meanwhile, so a connection that gets several
 * messages in a burst costs one write system call instead of one per message.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** A message as sent to many connections: its JSON once, its frames on demand. */
export class OutboundMessage {
  readonly #json: string;
  #plain: Buffer | undefined;
  readonly #numbered = new Map<number, Buffer>();

  constructor(message: Record<string, unknown>) {
    if ('sequenceId' in message) throw new Error('an outbound message gets its sequenceId per connection');
    this.#json = JSON.stringify(message);
  }

  /** The frame without a sequence id (the json subprotocol, control frames). */
  plain(): Buffer {
    return (this.#plain ??= Buffer.from(this.#json));
  }

  /** The frame with `"sequenceId": seq` as its last member (as `{ ...message, sequenceId }` would be). */
  numbered(seq: number): Buffer {
    let frame = this.#numbered.get(seq);
    if (!frame) {
      const open = this.#json.length > 2 ? `${this.#json.slice(0, -1)},` : '{';
      frame = Buffer.from(`${open}"sequenceId":${seq}}`);
      this.#numbered.set(seq, frame);
    }
    return frame;
  }
}

/** The raw socket under a ws WebSocket (ws keeps it as `_socket`; stable across ws 8.x). */
function rawSocket(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket })._socket;
}

export interface Writable {
  socket: WebSocket | undefined;
  /** Frames queued since the last flush, in order. */
  readonly outbox: Buffer[];
}

/** Writes every queued frame of every connection once per turn of the event loop. */
export class Flusher {
  readonly #dirty = new Set<Writable>();
  #scheduled = false;

  /** Queues a frame; the write happens after the current I/O phase. */
  write(c: Writable, frame: Buffer): void {
    c.outbox.push(frame);
    this.#dirty.add(c);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  flushAll(): void {
    this.#scheduled = false;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const c of dirty) Flusher.flush(c);
  }

  /** Writes one connection's queued frames now (before a close, so they go out ahead of it). */
  static flush(c: Writable): void {
    const frames = c.outbox.splice(0, c.outbox.length);
    const ws = c.socket;
    if (frames.length === 0 || !ws || ws.readyState !== ws.OPEN) return;
    if (frames.length === 1) {
      ws.send(frames[0] as Buffer, { binary: false });
      return;
    }
    // Corked, ws's frames (header + payload each) leave in one writev.
    const raw = rawSocket(ws);
    raw?.cork();
    for (const f of frames) ws.send(f, { binary: false });
    raw?.uncork();
  }
}
