// The dashboard: asks for the API token, then polls the API every second and redraws.
import { ApiError, call, token } from './api.js';
import { wireControls } from './controls.js';
import { drawDetail, wireStop } from './detail.js';
import { drawVerification, wireVerify } from './verification.js';
import { byId, setText } from './dom.js';
import { when } from './format.js';
import { drawMigrations } from './migrations-table.js';
import { Samples } from './samples.js';
import { showTargets, wireStartForm } from './start-form.js';

const POLL_MS = 1000;

const state = {
  migrations: [],
  databases: new Map(),
  selectedId: null,
  pinned: false, // the user chose the selected migration; until then the newest active one is shown
  samples: new Samples(),
  timer: null,
  generation: 0, // of the polling loop: a loop from before a sign-out must not go on
};

function selected() {
  return state.migrations.find((m) => m.id === state.selectedId) ?? null;
}

function live(text, kind) {
  const node = byId('live');
  node.textContent = text;
  node.dataset.state = kind;
}

function showGate(message = '') {
  stopPolling();
  byId('board').hidden = true;
  byId('sign-out').hidden = true;
  byId('gate').hidden = false;
  setText('token-error', message);
  live('not connected', 'idle');
  byId('token').focus();
}

function showBoard() {
  byId('gate').hidden = true;
  byId('board').hidden = false;
  byId('sign-out').hidden = false;
}

// Polls and a form's own refresh overlap: answers that arrive after a later refresh's are dropped, or a
// stale target list would take back the target just registered and chosen (seen on a loaded machine).
let refreshesStarted = 0;
let refreshApplied = 0;

/** One poll: migrations, targets and the selected migration's events, then a redraw. */
async function refresh() {
  const mine = ++refreshesStarted;
  const [migrations, databases] = await Promise.all([call('GET', '/v2/migrations?per_page=200'), call('GET', '/v2/databases')]);
  if (mine < refreshApplied) {
    return;
  }
  refreshApplied = mine;
  const now = Date.now();
  state.migrations = migrations.migrations;
  state.databases = new Map(databases.databases.map((db) => [db.id, db]));
  state.samples.add(now, state.migrations);
  if (!state.pinned || !selected()) { // the newest active one, else the newest
    state.selectedId = (state.migrations.find((m) => m.status === 'running' || m.status === 'syncing')
      ?? state.migrations[0])?.id ?? null;
  }
  const m = selected();
  const [events, verification] = m ? await Promise.all([
    call('GET', `/v2/migrations/${m.id}/events`).then((answer) => answer.events),
    call('GET', `/v2/migrations/${m.id}/verify`).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
  ]) : [[], null];
  if (mine < refreshApplied) { // a later one's answers are in the state: it draws
    return;
  }

  showTargets(state.databases);
  drawMigrations(byId('migration-rows'), state.migrations, state.databases, state.selectedId, select);
  byId('no-migrations').hidden = state.migrations.length > 0;
  byId('detail').hidden = !m;
  if (m) {
    drawDetail(m, state.databases, state.samples, events, now);
    drawVerification(verification);
  }
  live(`live · updated ${when(new Date(now).toISOString())}`, 'ok');
}

function startPolling() {
  stopPolling();
  poll(state.generation);
}

function stopPolling() {
  state.generation += 1;
  clearTimeout(state.timer);
}

async function poll(generation) {
  try {
    await refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      token.clear();
      showGate('The API refused this token.');
      return;
    }
    live(`offline · ${e.message}`, 'error'); // keep polling: the API may be restarting
  }
  if (generation === state.generation) {
    state.timer = setTimeout(() => poll(generation), POLL_MS);
  }
}

/** A redraw now, besides the loop, after the user did something. */
function refreshNow() {
  refresh().catch((e) => live(`offline · ${e.message}`, 'error'));
}

function select(id) {
  state.selectedId = id;
  state.pinned = true;
  refreshNow();
}

byId('token-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  token.set(byId('token').value.trim());
  byId('token').value = '';
  try {
    await call('GET', '/v2/databases'); // proves the token before the board shows
  } catch (error) {
    token.clear();
    showGate(error instanceof ApiError && error.status === 401 ? 'The API refused this token.' : error.message);
    return;
  }
  showBoard();
  startPolling();
});

byId('sign-out').addEventListener('click', () => {
  token.clear();
  showGate();
});

wireStartForm(async (startedId) => {
  if (startedId) {
    state.selectedId = startedId;
    state.pinned = true;
  }
  await refresh();
});

wireStop(selected, async (m) => {
  try {
    await call('DELETE', `/v2/databases/${m.database_id}/online-migration/${m.id}`);
  } catch (e) {
    setText('detail-error', `Not stopped: ${e.message}`);
    return;
  }
  refreshNow();
});

wireControls(selected, refreshNow);

wireVerify(async () => {
  const m = selected();
  if (!m) {
    return;
  }
  try {
    await call('POST', `/v2/migrations/${m.id}/verify`, { mode: 'full' });
  } catch (e) {
    setText('verify-summary', `Not started: ${e.message}`);
    return;
  }
  refreshNow();
});

if (token.get()) {
  showBoard();
  startPolling();
} else {
  showGate();
}
