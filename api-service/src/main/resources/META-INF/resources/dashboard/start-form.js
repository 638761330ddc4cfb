// The start form: the fields of PUT /v2/databases/{id}/online-migration, a target picked from the
// registered ones (or registered here), "Check" for the preflight report and "Start migration".
// Passwords are only ever sent, never shown back, and cleared once used.
import { call } from './api.js';
import { byId, el } from './dom.js';

const value = (id) => byId(id).value.trim();
const port = (id) => (value(id) === '' ? null : Number(value(id)));

function say(message, kind = 'info') {
  const node = byId('form-message');
  node.textContent = message;
  node.dataset.kind = kind;
}

function migrationBody() {
  return {
    source: {
      host: value('source-host'),
      port: port('source-port'),
      username: value('source-username'),
      password: byId('source-password').value,
    },
    disable_ssl: !byId('source-tls').checked,
    ignore_dbs: value('ignore-dbs').split(/[\s,]+/).filter(Boolean),
    // left out: the preflight chooses
    method: byId('source-method').value || undefined,
    // left out: restore
    snapshot_load: byId('snapshot-load').value || undefined,
  };
}

function showChecks(report) {
  byId('check-result').replaceChildren(...report.checks.map((c) => el('li', { className: c.result === 'warn' ? 'warn' : c.ok ? 'ok' : 'fail' },
    el('strong', {}, c.name), ' ', c.message)));
  const method = report.method ? ` by ${report.method}` : '';
  say(!report.ok ? 'Some checks fail: see above.'
    : report.result === 'warn' ? `All checks pass, with warnings (see above): ready to start${method}.`
      : `All checks pass: ready to start${method}.`, report.ok ? 'ok' : 'error');
}

/**
 * Keeps the target list in step with the API, keeping the user's choice, or choosing the target just
 * registered once a list holds it (the refresh the form awaited may have been dropped for a newer one).
 */
export function showTargets(databases) {
  const select = byId('target-select');
  const registered = databases.has(select.dataset.registered) ? select.dataset.registered : null;
  if (registered) {
    delete select.dataset.registered;
    select.dataset.key = ''; // rebuilt below with it chosen
  }
  const chosen = registered ?? select.value;
  const options = [...databases.values()].map((db) => el('option', { value: db.id },
    `${db.name} — ${db.connection.host}:${db.connection.port} (Redis ${db.version})`));
  const key = options.map((o) => o.value + o.textContent).join('|');
  if (select.dataset.key !== key) { // rebuilding on every poll would close an open list
    select.replaceChildren(el('option', { value: '', disabled: true }, databases.size ? 'choose a target' : 'register a target first'), ...options);
    select.dataset.key = key;
    select.value = databases.has(chosen) ? chosen : '';
    if (!databases.size) {
      byId('register').open = true;
    }
  }
}

/** @param onChange called after a target is registered or a migration started (with its id) */
export function wireStartForm(onChange) {
  const form = byId('start-form');
  const busy = async (button, work) => {
    button.disabled = true;
    try {
      await work();
    } catch (e) {
      say(e.message, 'error');
    } finally {
      button.disabled = false;
    }
  };

  byId('register-target').addEventListener('click', (e) => busy(e.target, async () => {
    const answer = await call('POST', '/v2/databases', {
      name: value('target-name'),
      engine: 'redis',
      connection: {
        host: value('target-host'),
        port: port('target-port'),
        username: value('target-username'),
        password: byId('target-password').value,
        ssl: byId('target-ssl').checked,
      },
    });
    byId('target-password').value = '';
    byId('register').open = false;
    await onChange();
    const select = byId('target-select');
    select.value = answer.database.id;
    if (select.value !== answer.database.id) { // the list drawn is older than the target: the next one chooses it
      select.dataset.registered = answer.database.id;
    }
    say(`Target ${answer.database.name} registered (Redis ${answer.database.version}).`, 'ok');
  }));

  byId('check').addEventListener('click', (e) => busy(e.target, async () => {
    if (!value('target-select')) {
      throw new Error('Choose a target first.');
    }
    say('Checking…');
    showChecks(await call('POST', `/v2/databases/${value('target-select')}/online-migration/check`, migrationBody()));
  }));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(byId('start'), async () => {
      if (!value('target-select')) {
        throw new Error('Choose a target first.');
      }
      const started = await call('PUT', `/v2/databases/${value('target-select')}/online-migration`, migrationBody());
      byId('source-password').value = '';
      byId('check-result').replaceChildren();
      say(`Migration ${started.id} started.`, 'ok');
      await onChange(started.id);
    });
  });
}
