import { describe, expect, it } from 'vitest';
import { SpaceIndex } from '../../src/shared/core/space-index';
import { buildChunkIndex, searchChunks, type ChunkHit, type IndexedChunk } from '../../src/shared/core/text-search';
import { normalise } from '../../src/shared/core/vectors';
import { embed } from '../../local/azure-openai/embeddings';

// A generated corpus on overlapping topics (several about coffee, several about programming
// languages, two near-duplicates), split into paragraph chunks as processing would.
const TOPICS: Array<[string, string[]]> = [
  [
    'arabica.txt',
    ['Arabica coffee grows on high mountain slopes in Ethiopia and Colombia.', 'Arabica beans taste sweet and contain less caffeine than other beans.'],
  ],
  [
    'robusta.txt',
    ['Robusta coffee tolerates heat and grows at low altitude in Vietnam.', 'Robusta beans are bitter and contain nearly twice the caffeine of arabica.'],
  ],
  [
    'espresso.txt',
    ['Espresso machines force hot water through finely ground coffee at nine bars of pressure.', 'A good espresso shot has a layer of crema on top.'],
  ],
  [
    'espresso-copy.txt',
    ['Espresso machines push hot water through ground coffee at high pressure.', 'Baristas judge a shot by its crema and its extraction time.'],
  ],
  ['tea.txt', ['Green tea leaves are steamed or pan fired soon after picking to stop oxidation.', 'Black tea is fully oxidised, which darkens the leaves.']],
  ['rust.txt', ['Rust guarantees memory safety through ownership and the borrow checker.', 'Cargo builds Rust projects and downloads crates.']],
  ['go.txt', ['Go uses goroutines and channels for concurrency.', 'The Go garbage collector keeps pause times short.']],
  ['python.txt', ['Python is dynamically typed and indented blocks delimit its code.', 'Pip installs Python packages from the Python Package Index.']],
  ['typescript.txt', ['TypeScript adds static types to JavaScript and compiles to plain JavaScript.', 'The tsc compiler checks types before emitting code.']],
  ['volcano.txt', ['Shield volcanoes such as Mauna Loa erupt fluid basalt lava.', 'Stratovolcanoes erupt explosively because their magma is viscous.']],
  ['earthquake.txt', ['Earthquakes happen when tectonic plates slip along a fault.', 'The moment magnitude scale measures the energy an earthquake releases.']],
  [
    'earthquake-copy.txt',
    ['Earthquakes occur when plates slip suddenly along faults.', 'Seismographs record the waves an earthquake sends through the ground.'],
  ],
];

const chunks: IndexedChunk[] = TOPICS.flatMap(([filename, paras]) =>
  paras.map((text, i) => ({ id: `${filename}_${i}`, documentId: filename, filename, text, page: null })),
);

const QUESTIONS: Array<[string, string]> = [
  ['Where does arabica coffee grow?', 'arabica.txt'],
  ['Which beans have the most caffeine?', 'robusta.txt'],
  ['Which coffee grows in Vietnam?', 'robusta.txt'],
  ['How many bars of pressure does an espresso machine use?', 'espresso.txt'],
  ['How do baristas judge extraction time?', 'espresso-copy.txt'],
  ['Why is green tea steamed?', 'tea.txt'],
  ['What makes black tea leaves dark?', 'tea.txt'],
  ['How does Rust guarantee memory safety?', 'rust.txt'],
  ['What downloads crates?', 'rust.txt'],
  ['What does Go use for concurrency?', 'go.txt'],
  ['How long are garbage collector pauses in Go?', 'go.txt'],
  ['How are Python packages installed?', 'python.txt'],
  ['What delimits Python code blocks?', 'python.txt'],
  ['What does TypeScript compile to?', 'typescript.txt'],
  ['Which compiler checks TypeScript types?', 'typescript.txt'],
  ['What lava does Mauna Loa erupt?', 'volcano.txt'],
  ['Why do stratovolcanoes explode?', 'volcano.txt'],
  ['What causes earthquakes along a fault?', 'earthquake.txt'],
  ['What does the moment magnitude scale measure?', 'earthquake.txt'],
  ['What do seismographs record?', 'earthquake-copy.txt'],
  ['Which coffee tastes sweet?', 'arabica.txt'],
  ['What sits on top of a good espresso shot?', 'espresso.txt'],
];

/** hit@1 and MRR of a ranking function over QUESTIONS (documents ranked by their best chunk). */
function evaluate(rank: (question: string) => ChunkHit[]): { hitAt1: number; mrr: number } {
  let hits = 0;
  let reciprocal = 0;
  for (const [question, expected] of QUESTIONS) {
    const ranked = [...new Set(rank(question).map((h) => h.chunk.documentId))];
    const r = ranked.indexOf(expected) + 1;
    if (r === 1) hits++;
    if (r > 0) reciprocal += 1 / r;
  }
  return { hitAt1: hits / QUESTIONS.length, mrr: reciprocal / QUESTIONS.length };
}

describe('retrieval quality (MiniSearch BM25+ over chunks)', () => {
  it('cites the right document first for at least 90% of the questions', () => {
    const index = buildChunkIndex(chunks);
    const { hitAt1, mrr } = evaluate((q) => searchChunks(index, q, 20));
    console.log(`retrieval quality: ${QUESTIONS.length} questions, ${TOPICS.length} documents: hit@1 ${hitAt1.toFixed(3)}, MRR ${mrr.toFixed(3)}`);
    expect(hitAt1).toBeGreaterThanOrEqual(0.9);
  });

  it('hybrid (lexical and vector rankings fused with RRF) keeps at least 90% hit@1', () => {
    // The vectors are the Azure OpenAI stand-in's (hashed bag of words): what the hybrid tests use.
    const index = SpaceIndex.empty('stand-in');
    const byDoc = new Map<string, IndexedChunk[]>();
    for (const c of chunks) byDoc.set(c.documentId, [...(byDoc.get(c.documentId) ?? []), c]);
    for (const [doc, list] of byDoc)
      index.addDocument(
        doc,
        'fp',
        list.map((c) => ({ ...c, vector: normalise(embed(c.text)) })),
      );
    const { hitAt1, mrr } = evaluate((q) => index.search(q, { topK: 20, queryVector: normalise(embed(q)) }));
    console.log(`retrieval quality (hybrid, RRF k=60): hit@1 ${hitAt1.toFixed(3)}, MRR ${mrr.toFixed(3)}`);
    expect(hitAt1).toBeGreaterThanOrEqual(0.9);
  });

  it('filters by document ids and folds case and accents', () => {
    const index = buildChunkIndex([...chunks, { id: 'cafe_0', documentId: 'cafe.txt', filename: 'cafe.txt', text: 'Le CAFÉ crème est servi chaud.', page: 3 }]);
    expect(searchChunks(index, 'cafe creme', 1)[0]?.chunk).toMatchObject({ documentId: 'cafe.txt', page: 3 });
    const only = searchChunks(index, 'espresso pressure', 5, ['tea.txt']);
    expect(only.every((h) => h.chunk.documentId === 'tea.txt')).toBe(true);
  });
});
