/**
 * The extraction worker thread's entry: one request at a time from run-in-worker.ts, answered
 * with the extractor's result. Runs with V8 resourceLimits, so a file that exhausts the heap ends
 * this thread (the parent sees ERR_WORKER_OUT_OF_MEMORY), never the host.
 */
import { parentPort } from 'node:worker_threads';
import { extractDocumentText, type ExtractResult } from '../documents/extract';
import type { ExtractLimits } from './limits';

export interface ExtractRequest {
  id: number;
  contentType: string;
  bytes: Uint8Array;
  limits: ExtractLimits;
}

export interface ExtractReply {
  id: number;
  result: ExtractResult;
}

const port = parentPort;
if (!port) throw new Error('extraction worker started outside a worker thread');

port.on('message', (req: ExtractRequest) => {
  // The catch above the then turns every failure into a reply; nothing is left to reject.
  void extractDocumentText(req.contentType, req.bytes, req.limits)
    .catch((e: unknown): ExtractResult => {
      // A recursive library step overflowing the stack, or a string past V8's maximum length.
      if (e instanceof RangeError) return { ok: false, reason: 'extraction_too_large', message: 'The document is too large or complex to read.' };
      return { ok: false, reason: 'extraction_failed', message: 'The document could not be read.' };
    })
    .then((result) => port.postMessage({ id: req.id, result } satisfies ExtractReply));
});
