/** The one JSON API call of the HTTP tests; every reply is checked against openapi.json (contract.ts). */
import { assertContract } from './contract';

/** The error envelope's error, typed: tests read its code and details. */
export interface ApiError {
  code: string;
  message: string;
  details: Array<{ field: string; issue: string }>;
  retry_after?: number;
}

export interface Reply {
  status: number;
  headers: Headers;
  /** The envelope (data, pagination, meta, or error), or {} / { raw } for a non-JSON reply. */
  body: { data: any; error: ApiError; [field: string]: any };
}

export interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (content-type application/json unless given). */
  body?: unknown;
}

/**
 * Calls the API; redirects are not followed. The reply is parsed as JSON; an empty one is {}, a
 * non-JSON one is { raw: text } unless it claims to be JSON (then it throws). With `key`, it is sent as X-API-Key.
 */
// One signature, not overloads: call(url, init) and call(url, key, init) both type-check, and the
// reply's type never depends on the arguments (overloads made loops that feed a reply into the next
// call's URL circular for the type checker).
export async function call(url: string, keyOrInit?: string | CallInit, maybeInit: CallInit = {}): Promise<Reply> {
  const key = typeof keyOrInit === 'string' ? keyOrInit : undefined;
  const init = typeof keyOrInit === 'object' ? keyOrInit : maybeInit;
  const headers: Record<string, string> = { ...init.headers };
  if (key) headers['x-api-key'] = key;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  assertContract(init.method ?? 'GET', url, { status: res.status, headers: res.headers, text });
  return { status: res.status, headers: res.headers, body: parseBody(text, res.headers.get('content-type') ?? '') as Reply['body'] };
}

function parseBody(text: string, contentType: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    if (/json/i.test(contentType)) throw err; // the API said JSON and sent something else: a failure
    return { raw: text };
  }
}
