/**
 * The native request behind a local HttpRequest for a GET or HEAD, built lazily.
 *
 * @azure/functions' HttpRequest keeps a WHATWG Request and reads only url, method, headers, body,
 * bodyUsed, the body readers and clone() from it. Building an undici Request costs about 12 µs
 * (an AbortSignal, a parsed URL, a header list) on every call, about a tenth of the host's
 * per-request CPU in `npm run bench:http`. A GET or HEAD has no body, so this object answers those
 * members directly (with a real Headers and the URL as Request would normalise it) and builds the
 * real Request only if something asks for a body reader or a clone, delegating to it from then on.
 * Requests with a body still get a real streaming Request (http-server.ts).
 */
export class BodilessRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  #real: Request | undefined;

  constructor(url: URL, method: string, headers: Headers) {
    this.url = url.href;
    this.method = method;
    this.headers = headers;
  }

  #request(): Request {
    this.#real ??= new Request(this.url, { method: this.method, headers: this.headers });
    return this.#real;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return null;
  }

  get bodyUsed(): boolean {
    return this.#real?.bodyUsed ?? false;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#request().arrayBuffer();
  }

  blob(): Promise<Blob> {
    return this.#request().blob();
  }

  formData(): Promise<FormData> {
    return this.#request().formData();
  }

  json(): Promise<unknown> {
    return this.#request().json();
  }

  text(): Promise<string> {
    return this.#request().text();
  }

  clone(): Request {
    return this.#request().clone();
  }
}
