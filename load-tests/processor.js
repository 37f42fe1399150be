// @ts-check
'use strict';
/**
 * Artillery processor for the EVA API scenarios. Auth as a client of the platform does it: the
 * API key in EVA_LOAD_API_KEY (a `pro` tenant's, scopes below) is exchanged once per worker for a
 * JWT pair at /api/v1/auth/token, and the pair is refreshed at /api/v1/auth/refresh before the
 * access token expires, so a 30-minute production run keeps working. Every HTTP request then
 * carries `Authorization: Bearer`. Plain JavaScript: Artillery loads processors with require().
 */

const target = () => {
  const t = process.env.EVA_LOAD_TARGET;
  if (!t) throw new Error('EVA_LOAD_TARGET is not set (the API origin, e.g. http://127.0.0.1:7071)');
  return t.replace(/\/+$/, '');
};

/** @type {{ access_token: string, refresh_token: string, expires_in: number } | undefined} */
let pair;
let expiresAt = 0;
/** @type {Promise<string> | undefined} */
let pending;

/** @param {string} path @param {RequestInit} init */
async function postJson(path, init) {
  const res = await fetch(`${target()}/api${path}`, { method: 'POST', ...init });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.data;
}

async function fetchPair() {
  if (pair) {
    try {
      return await postJson('/v1/auth/refresh', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: pair.refresh_token }),
      });
    } catch {
      // A refused refresh (expired family, rotation race) falls back to the key.
    }
  }
  const key = process.env.EVA_LOAD_API_KEY;
  if (!key) throw new Error('EVA_LOAD_API_KEY is not set');
  return postJson('/v1/auth/token', { headers: { 'X-API-Key': key } });
}

/** The current access token; one exchange or refresh in flight per worker. */
async function accessToken() {
  if (pair && Date.now() < expiresAt - 60_000) return pair.access_token;
  pending ??= fetchPair()
    .then((p) => {
      pair = p;
      expiresAt = Date.now() + p.expires_in * 1000;
      return p.access_token;
    })
    .finally(() => {
      pending = undefined;
    });
  return pending;
}

/** beforeRequest hook: the bearer token on every API request. */
async function authenticate(requestParams) {
  requestParams.headers = { ...(requestParams.headers ?? {}), Authorization: `Bearer ${await accessToken()}` };
}

let reported = 0;
/**
 * afterResponse hook: a response outside 2xx (or a GraphQL reply with errors) fails the virtual user (Artillery counts 4xx/5xx as
 * successes otherwise), so `vusers.failed` is the error rate the thresholds judge.
 */
async function checkStatus(requestParams, response) {
  if (response.statusCode >= 300) {
    // The first few are printed whole; the error metric groups by status.
    if (reported < 5) {
      reported += 1;
      const body = typeof response.body === 'string' ? response.body.slice(0, 300) : '';
      console.error(`${requestParams.method ?? 'GET'} ${requestParams.url} -> ${response.statusCode} ${body}`);
    }
    throw new Error(`HTTP ${response.statusCode}`);
  }
  // GraphQL reports a failed operation as 200 with `errors`: that is a failure too.
  if (String(requestParams.url).endsWith('/graphql') && typeof response.body === 'string' && response.body.includes('"errors"')) {
    if (reported < 5) {
      reported += 1;
      console.error(`POST ${requestParams.url} -> GraphQL errors ${response.body.slice(0, 300)}`);
    }
    throw new Error('GraphQL errors');
  }
}

let counter = 0;
const TOPICS = ['invoices', 'onboarding', 'retention policy', 'security review', 'travel expenses'];

/** beforeRequest (callback style: Artillery passes `next` to plain functions). A small, distinct text document (distinct bytes: the API de-duplicates identical uploads). */
function documentBody(requestParams, context, events, next) {
  counter += 1;
  const topic = TOPICS[counter % TOPICS.length];
  const stamp = `${process.pid}-${Date.now()}-${counter}`;
  requestParams.body =
    `# Notes on ${topic} (${stamp})\n\n` +
    `The ${topic} process is reviewed every quarter by the operations team. ` +
    `Questions about ${topic} go to the owner named in the handbook. ` +
    `Records about ${topic} are kept for seven years unless the law asks for longer.\n`;
  // Declared up front: the upload route streams the body and judges its size before reading it.
  requestParams.headers = { ...(requestParams.headers ?? {}), 'Content-Length': String(Buffer.byteLength(requestParams.body)) };
  context.vars.documentName = `notes-${stamp}.md`;
  requestParams.url += `${requestParams.url.includes('?') ? '&' : '?'}filename=${context.vars.documentName}`;
  next();
}

/** A question the seeded documents can answer. */
function questionBody(requestParams, context, events, next) {
  counter += 1;
  const topic = TOPICS[counter % TOPICS.length];
  requestParams.json = { question: `How long are records about ${topic} kept?` };
  next();
}

// ---- WebSocket scenario ----------------------------------------------------------------------

let open = 0;
let peak = 0;

/**
 * connect.function for the ws engine: negotiates a Web PubSub client URL with the bearer token (as
 * the console page does) and connects with the json subprotocol.
 */
async function negotiate(wsArgs, context, done) {
  try {
    const token = await accessToken();
    const res = await fetch(`${target()}/api/v1/realtime/negotiate`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.json();
    if (!res.ok) throw new Error(`negotiate answered ${res.status}`);
    wsArgs.target = body.data.url;
    wsArgs.subprotocols = ['json.webpubsub.azure.v1'];
    context.vars.groups = body.data.groups;
    done();
  } catch (err) {
    done(err);
  }
}

/** Counts connections held by this worker; the peak is reported as a metric. */
function connectionOpened(context, events, done) {
  open += 1;
  if (open > peak) {
    peak = open;
  }
  events.emit('histogram', 'websocket.open_connections', open);
  done();
}

function connectionClosing(context, events, done) {
  open -= 1;
  done();
}

/** Joins the tenant group the negotiate answer allowed, as the console does. */
function joinMessage(context, events, done) {
  const group = (context.vars.groups ?? []).find((g) => String(g).startsWith('tenant:'));
  context.vars.joinPayload = JSON.stringify({ type: 'joinGroup', group, ackId: 1 });
  done();
}

module.exports = {
  authenticate,
  checkStatus,
  documentBody,
  questionBody,
  negotiate,
  connectionOpened,
  connectionClosing,
  joinMessage,
};
