/* global document, fetch, FormData, URL, setTimeout, WebPubSubClientBundle */
// The live console: an API key held in memory only, the tenant's spaces, create and upload, and
// the events Web PubSub pushes for the tenant and its spaces, shown as they arrive.
'use strict';
(() => {
  const api = new URL('.', document.baseURI).pathname.replace(/\/$/, '');
  let apiKey = '';
  let client;
  let spaces = [];
  const $ = (id) => document.getElementById(id);
  const status = (text) => {
    $('status').textContent = text;
  };

  async function call(path, init = {}) {
    const r = await fetch(`${api}${path}`, { ...init, headers: { 'x-api-key': apiKey, ...(init.headers || {}) } });
    const body = r.status === 204 ? {} : await r.json();
    if (!r.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${r.status}`);
    return body.data;
  }

  const shown = new Set();
  function showEvent(e) {
    // Two connections overlap while a new space is added: each event is shown once.
    if (!e || shown.has(e.event_id)) return;
    shown.add(e.event_id);
    const li = document.createElement('li');
    li.className = 'event';
    li.dataset.eventType = e.event_type;
    const t = document.createElement('time');
    t.dateTime = e.timestamp;
    t.textContent = e.timestamp;
    const d = e.data || {};
    const label = (d.space && d.space.name) || (d.document && d.document.filename) || '';
    const name = label ? ` ${label}` : '';
    li.append(t, `${e.event_type}${e.space_id ? ` (${e.space_id})` : ''}${name}`);
    $('events').prepend(li);
  }

  function renderSpaces() {
    $('spaces').replaceChildren(...spaces.map((s) => Object.assign(document.createElement('li'), { textContent: `${s.name} (${s.id})` })));
    const options = () => spaces.map((s) => Object.assign(document.createElement('option'), { value: s.id, textContent: s.name }));
    $('upload-space').replaceChildren(...options());
    $('ask-space').replaceChildren(...options());
  }

  // The answer and its sources; a citation is "[n] filename (page): excerpt", n as in the answer.
  function showAnswer(q) {
    const text = $('answer-text');
    $('answer').setAttribute('aria-busy', 'false');
    if (q.status === 'failed') {
      text.textContent = `The question failed: ${q.error ? q.error.message : 'unknown error'}`;
    } else if (q.status === 'pending') {
      text.textContent = 'Still working on it…';
      $('answer').setAttribute('aria-busy', 'true');
    } else {
      text.textContent = q.answer || 'No answer.';
    }
    const cites = q.citations || [];
    $('citations-h').hidden = cites.length === 0;
    $('citations').replaceChildren(
      ...cites.map((c) => {
        const li = document.createElement('li');
        li.className = 'citation';
        const src = document.createElement('strong');
        src.textContent = `[${c.n}] ${c.filename}${c.page ? `, page ${c.page}` : ''}`;
        li.append(src, `: ${c.excerpt}`);
        return li;
      }),
    );
  }

  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

  // One connection joined to the tenant's group and every listed space's group; a new space
  // means a new negotiate (the token names the groups it may join).
  async function connect() {
    const previous = client;
    const ids = spaces.slice(0, 50).map((s) => s.id);
    const query = ids.map((id) => `space_id=${encodeURIComponent(id)}`).join('&');
    const next = new WebPubSubClientBundle.WebPubSubClient({
      getClientAccessUrl: async () => (await call(`/v1/realtime/negotiate${query ? `?${query}` : ''}`)).url,
    });
    next.on('group-message', (m) => showEvent(m.message.data));
    next.on('disconnected', () => {
      if (client === next) status('Disconnected; reconnecting…');
    });
    next.on('connected', () => {
      if (client === next) status(`Connected: live events for ${ids.length} space(s) and the tenant.`);
    });
    await next.start();
    client = next;
    // The old connection stops only once the new one listens, so no event falls between them.
    if (previous) previous.stop();
    status(`Connected: live events for ${ids.length} space(s) and the tenant.`);
  }

  $('key-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    apiKey = $('api-key').value.trim();
    $('api-key').value = '';
    try {
      status('Connecting…');
      spaces = await call('/v1/spaces?limit=50');
      renderSpaces();
      await connect();
      for (const b of document.querySelectorAll('#space-form button, #upload-form button, #ask-form button')) b.disabled = false;
    } catch (e) {
      status(`Could not connect: ${e.message}`);
    }
  });

  $('space-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const s = await call('/v1/spaces', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: $('space-name').value }),
      });
      $('space-name').value = '';
      spaces = [s, ...spaces];
      renderSpaces();
      await connect();
    } catch (e) {
      status(`Could not create the space: ${e.message}`);
    }
  });

  $('upload-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = $('upload-file').files[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      await call(`/v1/spaces/${encodeURIComponent($('upload-space').value)}/documents`, { method: 'POST', body: form });
      status(`Uploaded ${file.name}.`);
    } catch (e) {
      status(`Could not upload: ${e.message}`);
    }
  });

  $('ask-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = $('ask-form').querySelector('button');
    button.disabled = true;
    $('answer').setAttribute('aria-busy', 'true');
    $('answer-text').textContent = 'Asking…';
    $('citations').replaceChildren();
    $('citations-h').hidden = true;
    try {
      const space = encodeURIComponent($('ask-space').value);
      let q = await call(`/v1/spaces/${space}/query?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: $('ask-question').value }),
      });
      // ?wait=true answers 200 when done, or 202 while the query still runs: then look again.
      for (let i = 0; q.status === 'pending' && i < 60; i++) {
        showAnswer(q);
        await sleep(1000);
        q = await call(`/v1/queries/${encodeURIComponent(q.id)}`);
      }
      showAnswer(q);
    } catch (e) {
      $('answer').setAttribute('aria-busy', 'false');
      $('answer-text').textContent = `Could not ask: ${e.message}`;
    } finally {
      button.disabled = false;
    }
  });
})();
