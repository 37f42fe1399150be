/**
 * Records every outbound socket connection and DNS lookup the process attempts, and stops any that
 * is not loopback before a packet leaves (the socket is destroyed; the lookup fails). Installed by
 * the telemetry tests before anything starts, so they prove what Application Insights (and the
 * instance-metadata probe, statsbeat and live metrics it could do) tries to reach.
 */
import dns from 'node:dns';
import net from 'node:net';

export interface NetworkAttempt {
  kind: 'tcp' | 'dns';
  host: string;
  port?: number;
}

export interface NetworkGuard {
  attempts: NetworkAttempt[];
  /** Attempts that were not to loopback (each was blocked). */
  blocked(): NetworkAttempt[];
  restore(): void;
}

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || host === '::ffff:127.0.0.1' || /^127\.\d+\.\d+\.\d+$/.test(host);

function target(args: unknown[]): NetworkAttempt | undefined {
  // Node's own callers pass one normalized array ([options, cb]); users pass (options|port, host?, cb?).
  const a = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const first = a[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number | string; path?: string };
    if (o.path) return undefined; // a Unix socket / named pipe: local by definition
    return { kind: 'tcp', host: o.host ?? 'localhost', port: Number(o.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return { kind: 'tcp', host: typeof a[1] === 'string' ? a[1] : 'localhost', port: Number(first) };
  return undefined;
}

export function guardNetwork(): NetworkGuard {
  const attempts: NetworkAttempt[] = [];
  // Saved to be restored, and re-applied below with .apply(this).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const connect = net.Socket.prototype.connect;
  const lookup = dns.lookup;
  const promisesLookup = dns.promises.lookup;

  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const t = target(args);
    if (t) {
      attempts.push(t);
      if (!isLoopback(t.host)) {
        process.nextTick(() => this.destroy(new Error(`network guard: blocked a connection to ${t.host}:${t.port}`)));
        return this;
      }
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  };

  const refuse = (host: string) => Object.assign(new Error(`network guard: blocked a lookup of ${host}`), { code: 'ENOTFOUND' });
  dns.lookup = function guardedLookup(host: string, ...rest: unknown[]) {
    attempts.push({ kind: 'dns', host });
    if (!isLoopback(host)) {
      const cb = rest[rest.length - 1] as (err: Error) => void;
      process.nextTick(() => cb(refuse(host)));
      return undefined;
    }
    return (lookup as (...a: unknown[]) => unknown).call(dns, host, ...rest);
  } as typeof dns.lookup;
  dns.promises.lookup = async function guardedPromisesLookup(host: string, ...rest: unknown[]) {
    attempts.push({ kind: 'dns', host });
    if (!isLoopback(host)) throw refuse(host);
    return (promisesLookup as (...a: unknown[]) => Promise<unknown>).call(dns.promises, host, ...rest);
  } as typeof dns.promises.lookup;

  return {
    attempts,
    blocked: () => attempts.filter((a) => !isLoopback(a.host)),
    restore: () => {
      net.Socket.prototype.connect = connect;
      dns.lookup = lookup;
      dns.promises.lookup = promisesLookup;
    },
  };
}
