/**
 * Bounded-time health probes for Cosmos DB and Blob Storage (HealthCheck from ports.ts).
 * Each answers healthy / unhealthy / not_configured with a stable reason code
 * (TIMEOUT, UNREACHABLE, AUTH_FAILED, ERROR, NOT_CONFIGURED); raw error text never leaves here.
 * The probe stops waiting when the caller's AbortSignal fires, even if the SDK does not.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { getConfig } from '../config';
import type { HealthCheck, HealthCheckResult } from '../ports';
import { registerReset } from '../services';
import { networkCode, sdkStatus } from './azure-errors';
import { blobAuth, cosmosAuth, isConfigured } from '../core/azure-auth';
import { blobServiceClientFor } from './blob';
import { getCosmosClient } from './cosmos';

export type HealthReason = 'TIMEOUT' | 'UNREACHABLE' | 'AUTH_FAILED' | 'ERROR' | 'NOT_CONFIGURED';

class ProbeAborted extends Error {}

/** Resolves with `work`, or rejects with ProbeAborted as soon as the signal fires. */
function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new ProbeAborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ProbeAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // Rejects with what `work` rejected with (an SDK error, usually), so healthReason can read it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(e instanceof Error && signal.aborted ? new ProbeAborted() : e);
      },
    );
  });
}

/** The stable reason for a failed probe. */
export function healthReason(err: unknown): HealthReason {
  if (err instanceof ProbeAborted) return 'TIMEOUT';
  const status = sdkStatus(err);
  if (status === 401 || status === 403) return 'AUTH_FAILED';
  if (status === 408) return 'TIMEOUT';
  if (status !== undefined) return 'ERROR';
  const code = networkCode(err);
  if (code === 'TimeoutError' || code === 'ETIMEDOUT') return 'TIMEOUT';
  if (code !== undefined) return 'UNREACHABLE';
  return 'ERROR';
}

async function probe(signal: AbortSignal, run: () => Promise<void>): Promise<HealthCheckResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    await bounded(run(), signal);
    return { status: 'healthy', latency_ms: latency() };
  } catch (err) {
    return { status: 'unhealthy', reason: healthReason(err), latency_ms: latency() };
  }
}

const notConfigured: HealthCheckResult = { status: 'not_configured', reason: 'NOT_CONFIGURED' };

/** Reads the database: proves the account answers and accepts the key. A missing database (404) is
 * still healthy: it is created on first use. */
export const cosmosHealthCheck: HealthCheck = {
  name: 'cosmos',
  async check(signal: AbortSignal): Promise<HealthCheckResult> {
    const c = getConfig();
    if (!isConfigured(cosmosAuth(c))) return notConfigured;
    return probe(signal, async () => {
      try {
        await getCosmosClient().database(c.COSMOS_DB_DATABASE).read({ abortSignal: signal });
      } catch (err) {
        if (sdkStatus(err) !== 404) throw err;
      }
    });
  },
};

// The blob probe uses its own client with a single try: the shared one backs off and retries,
// which would turn "unreachable" into "timeout".
let probeClient: BlobServiceClient | undefined;
registerReset(() => {
  probeClient = undefined;
});

/** Asks whether the documents container exists: proves the account answers and accepts the key. */
export const blobHealthCheck: HealthCheck = {
  name: 'blob',
  async check(signal: AbortSignal): Promise<HealthCheckResult> {
    const c = getConfig();
    const auth = blobAuth(c);
    if (!isConfigured(auth)) return notConfigured;
    return probe(signal, async () => {
      probeClient ??= blobServiceClientFor(auth, 1);
      await probeClient.getContainerClient(c.BLOB_STORAGE_CONTAINER).exists({ abortSignal: signal });
    });
  },
};
