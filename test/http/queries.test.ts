import { beforeAll, describe, expect, it } from 'vitest';
import { answerQuery } from '../../src/shared/queries/queries';
import { readQuery } from '../../src/shared/queries/query-store';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { queriesHost } from '../helpers/host-presets';
import { uploadRaw } from '../helpers/document-uploads';
import { readSse, streamQuestion, type SseEvent } from '../helpers/sse';

const h = useTestHost(queriesHost({ CHUNK_SIZE: '400', CHUNK_OVERLAP: '40' }));
let t: TenantWithKey;
let other: TenantWithKey;
let spaceId: string;
const docs: Record<string, string> = {};

const DOCS: Array<[string, string]> = [
  [
    'volcanoes.txt',
    'Volcanoes form where magma rises through the crust. The Mauna Loa volcano in Hawaii is the largest active volcano on Earth by volume. Lava flows from shield volcanoes are usually slow and fluid.',
  ],
  [
    'coffee.txt',
    'Coffee plants grow best at high altitude in the tropics. Arabica beans have less caffeine than robusta beans. Espresso is brewed by forcing hot water through finely ground coffee under pressure.',
  ],
  [
    'rust.txt',
    'The Rust programming language guarantees memory safety without a garbage collector. Its borrow checker rejects programs with data races at compile time. Cargo is the package manager of Rust.',
  ],
];

const ask = (key: string, body: unknown, q = '?wait=true', space = spaceId) => call(`${h.api}/v1/spaces/${space}/query${q}`, key, { method: 'POST', body });

beforeAll(async () => {
  [t, other] = await Promise.all([createTenantWithKey(), createTenantWithKey()]);
  const s = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Facts' } });
  spaceId = s.body.data.id;
  for (const [name, text] of DOCS) {
    const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(text), name, 'text/plain');
    docs[name] = up.body.data.id;
  }
  await h.settle();
});

describe('questions: extractive answers end to end', () => {
  it('answers with ?wait=true from the right document, citing the passage it used', async () => {
    const r = await ask(t.apiKey, { question: 'Which package manager does Rust use?' });
    expect(r.status).toBe(200);
    const q = r.body.data;
    expect(q).toMatchObject({ space_id: spaceId, status: 'completed', mode: 'extractive', question: 'Which package manager does Rust use?' });
    expect(q.citations[0]).toMatchObject({ n: 1, document_id: docs['rust.txt'], filename: 'rust.txt' });
    expect(q.citations[0].chunk_id).toMatch(new RegExp(`^${docs['rust.txt']}_\\d+$`));
    expect(q.citations[0].excerpt).toContain('Cargo');
    expect(q.answer).toContain('Cargo is the package manager of Rust. [1]');
    // Every [n] in the answer names a citation, and every citation is cited.
    const cited = [...new Set([...(q.answer as string).matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
    expect(cited).toEqual(q.citations.map((c: { n: number }) => c.n));
    expect(q.links.self).toBe(`/api/v1/queries/${q.id}`);

    const got = await call(`${h.api}/v1/queries/${q.id}`, t.apiKey);
    expect(got.status).toBe(200);
    expect(got.body.data.answer).toBe(q.answer);
    const status = await call(`${h.api}/v1/queries/${q.id}/status`, t.apiKey);
    expect(status.body.data).toMatchObject({ id: q.id, status: 'completed' });
    const results = await call(`${h.api}/v1/queries/${q.id}/results`, t.apiKey);
    expect(results.body.data.citations).toEqual(q.citations);
  });

  it('without ?wait answers 202 with links, and the query finishes off the request path', async () => {
    const r = await ask(t.apiKey, { question: 'How is espresso brewed?' }, '');
    expect(r.status).toBe(202);
    expect(r.body.data.status).toBe('pending');
    expect(r.headers.get('location')).toBe(`/api/v1/queries/${r.body.data.id}`);
    await h.settle();
    const got = await call(`${h.api}/v1/queries/${r.body.data.id}`, t.apiKey);
    expect(got.body.data.status).toBe('completed');
    expect(got.body.data.citations[0].document_id).toBe(docs['coffee.txt']);
  });

  it('document_ids restricts the sources', async () => {
    const r = await ask(t.apiKey, { question: 'Which package manager does Rust use?', document_ids: [docs['coffee.txt']] });
    expect(r.status).toBe(200);
    expect(r.body.data.citations.every((c: { document_id: string }) => c.document_id === docs['coffee.txt'])).toBe(true);
  });

  it('says plainly when nothing matches, and when the space has no documents', async () => {
    const none = await ask(t.apiKey, { question: 'zzzqx wwvvk' });
    expect(none.body.data).toMatchObject({ status: 'completed', citations: [] });
    expect(none.body.data.answer).toMatch(/do not contain an answer/);
    const empty = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Empty' } });
    const r = await ask(t.apiKey, { question: 'Anything?' }, '?wait=true', empty.body.data.id);
    expect(r.body.data).toMatchObject({ status: 'completed', citations: [] });
    expect(r.body.data.answer).toMatch(/no processed documents/);
  });

  it('generative mode without a model configured fails with MODEL_UNAVAILABLE', async () => {
    const r = await ask(t.apiKey, { question: 'What is Mauna Loa?', mode: 'generative' });
    expect(r.body.data).toMatchObject({ status: 'failed', error: { code: 'MODEL_UNAVAILABLE' } });
  });

  it('?stream=true streams the extractive answer a sentence at a time, then the result and done', async () => {
    const res = await streamQuestion(h.api, t.apiKey, spaceId, { question: 'What does the borrow checker of Rust reject, and what is Cargo?' });
    expect(res.status).toBe(200);
    const events: SseEvent[] = [];
    for await (const e of readSse(res)) events.push(e);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('query');
    expect(names.slice(-2)).toEqual(['result', 'done']);
    const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data.text as string);
    expect(deltas.length).toBeGreaterThan(1);
    const result = events.at(-2)!.data;
    expect(result).toMatchObject({ status: 'completed', mode: 'extractive' });
    expect(deltas.join('')).toBe(result.answer);
    expect(deltas[0]).toMatch(/\[1\]$/);
  });

  it('a redelivered message does not answer twice', async () => {
    const r = await ask(t.apiKey, { question: 'What is the largest active volcano?' });
    const before = await readQuery(t.tenantId, r.body.data.id);
    expect(await answerQuery(t.tenantId, r.body.data.id)).toBe('already_finished');
    expect((await readQuery(t.tenantId, r.body.data.id))?._etag).toBe(before?._etag);
  });

  it('lists the history newest first, cursor-paginated', async () => {
    const page1 = await call(`${h.api}/v1/spaces/${spaceId}/queries?limit=2`, t.apiKey);
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.data[0].created_at >= page1.body.data[1].created_at).toBe(true);
    expect(page1.body.data[0].question).toBe('What is the largest active volcano?');
    const page2 = await call(`${h.api}/v1/spaces/${spaceId}/queries?limit=2&cursor=${encodeURIComponent(page1.body.pagination.cursor)}`, t.apiKey);
    expect(page2.status).toBe(200);
    expect(page2.body.data.length).toBeGreaterThan(0);
    const ids = new Set([...page1.body.data, ...page2.body.data].map((q: { id: string }) => q.id));
    expect(ids.size).toBe(page1.body.data.length + page2.body.data.length);
  });
});

describe('questions: isolation and bad input', () => {
  it("another tenant's space, query or document ids are 404", async () => {
    const mine = await ask(t.apiKey, { question: 'What does the borrow checker reject?' });
    expect((await ask(other.apiKey, { question: 'What is Rust?' })).status).toBe(404);
    expect((await call(`${h.api}/v1/queries/${mine.body.data.id}`, other.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/queries/${mine.body.data.id}/results`, other.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/spaces/${spaceId}/queries`, other.apiKey)).status).toBe(404);
    const os = await call(`${h.api}/v1/spaces`, other.apiKey, { method: 'POST', body: { name: 'Theirs' } });
    const r = await ask(other.apiKey, { question: 'What is Rust?', document_ids: [docs['rust.txt']] }, '?wait=true', os.body.data.id);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toContain('Cargo');
  });

  it('refuses bad questions, top_k, document ids, modes, fields and JSON with 400', async () => {
    const bad: unknown[] = [
      { question: '' },
      { question: '   ' },
      { question: 'x'.repeat(2001) },
      { question: 42 },
      {},
      { question: 'ok', top_k: 0 },
      { question: 'ok', top_k: 21 },
      { question: 'ok', top_k: 1.5 },
      { question: 'ok', document_ids: ['nope'] },
      { question: 'ok', document_ids: [] },
      { question: 'ok', mode: 'poetic' },
      { question: 'ok', extra: true },
    ];
    for (const body of bad) {
      const r = await ask(t.apiKey, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_ERROR');
    }
    const unknownDoc = await ask(t.apiKey, { question: 'ok', document_ids: [`doc_${'0'.repeat(32)}`] });
    expect(unknownDoc.status).toBe(404);
    const malformed = await fetch(`${h.api}/v1/spaces/${spaceId}/query`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
      body: '{"question": ',
    });
    expect(malformed.status).toBe(400);
    expect((await ask(t.apiKey, { question: 'ok' }, '?wait=maybe')).status).toBe(400);
    expect((await call(`${h.api}/v1/queries/not-an-id`, t.apiKey)).status).toBe(400);
    expect((await call(`${h.api}/v1/queries/qry_${'0'.repeat(32)}`, t.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/spaces/spc_${'0'.repeat(32)}/query`, t.apiKey, { method: 'POST', body: { question: 'ok' } })).status).toBe(404);
  });
});
