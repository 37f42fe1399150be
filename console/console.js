/* global document, fetch, FormData, URL, WebPubSubClientBundle */
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
    $('upload-space').replaceChildren(...spaces.map((s) => Object.assign(document.createElement('option'), { value: s.id, textContent: s.name })));
  }

  // One connection joined to the tenant's group and every listed space's group; a new space
  // means a new negotiate (the token names the groups it may join).
  async function connect() {
    const previous = client;
    const ids = spaces.slice(0, 50).map((s) => s.id);
    const query = ids.map((id) => `space_id=${encodeURIComponent(id)}`).join('&');
    const next = new WebPubSubClientBundle.WebPubSubClient({ getClientAccessUrl: async () => (await call(`/v1/realtime/negotiate${query ? `?${query}` : ''}`)).url });
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
      for (const b of document.querySelectorAll('#space-form button, #upload-form button')) b.disabled = false;
    } catch (e) {
      status(`Could not connect: ${e.message}`);
    }
  });

  $('space-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const s = await call('/v1/spaces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: $('space-name').value }) });
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
})();
