/** Reads a text/event-stream reply event by event, as a browser's EventSource would. */
export interface SseEvent {
  event: string;
  data: any;
  /** ms since the request was sent. */
  at: number;
}

export async function* readSse(res: Response, started = Date.now()): AsyncGenerator<SseEvent> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      yield { event, data: JSON.parse(data.join('\n')), at: Date.now() - started };
    }
  }
}

export const streamQuestion = (api: string, key: string, spaceId: string, body: unknown): Promise<Response> =>
  fetch(`${api}/v1/spaces/${spaceId}/query?stream=true`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
