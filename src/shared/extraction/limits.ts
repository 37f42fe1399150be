/**
 * What one extraction may cost. The worker enforces time and heap; the extractors enforce the rest
 * before (or while) doing the work, so a hostile file fails with a precise reason.
 */
import type { Config } from '../config';

export interface ExtractLimits {
  /** UTF-8 bytes of extracted text a document may yield. */
  maxTextBytes: number;
  /** Pages a PDF may have (checked from its page tree before any page is read). */
  maxPages: number;
  /** Bytes the XML parts of a DOCX may inflate to, in total (stated sizes, then a capped inflate). */
  maxInflatedBytes: number;
  /** Nesting depth of HTML elements or JSON arrays/objects (browsers stop nesting HTML at 512 too). */
  maxDepth: number;
}

export interface WorkerLimits {
  /** Wall-clock milliseconds an extraction may run before its worker is terminated. */
  timeoutMs: number;
  /** The worker's V8 heap limit (old generation), in MiB. */
  maxMemoryMb: number;
}

export const MAX_NESTING_DEPTH = 512;

export const extractLimitsFrom = (c: Config): ExtractLimits => ({
  maxTextBytes: c.EXTRACT_MAX_TEXT_BYTES,
  maxPages: c.EXTRACT_MAX_PAGES,
  maxInflatedBytes: c.EXTRACT_MAX_INFLATED_BYTES,
  maxDepth: MAX_NESTING_DEPTH,
});

export const workerLimitsFrom = (c: Config): WorkerLimits => ({ timeoutMs: c.EXTRACT_TIMEOUT_MS, maxMemoryMb: c.EXTRACT_MAX_MEMORY_MB });

/** Generous defaults for callers without settings (tests of the extractors themselves). */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxTextBytes: 26_214_400,
  maxPages: 10_000,
  maxInflatedBytes: 67_108_864,
  maxDepth: MAX_NESTING_DEPTH,
};
