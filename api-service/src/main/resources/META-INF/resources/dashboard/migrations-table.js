// The list of every migration: one row each, the selected one highlighted.
import { el, progressBar, statusPill } from './dom.js';
import { bytes, count, percent, when } from './format.js';

export function sourceOf(m) {
  return `${m.source.host}:${m.source.port}${m.source.ssl ? ' (TLS)' : ''}`;
}

export function targetOf(m, databases) {
  const db = databases.get(m.database_id);
  return db ? { name: db.name, address: `${db.connection.host}:${db.connection.port}` } : { name: m.database_id, address: '' };
}

/** Method (when the API names one; a replica's load said) and phase. */
export function phaseOf(m) {
  const method = m.snapshot_load === 'replica' ? `${m.method} (replica load)` : m.method;
  return [method, m.phase].filter(Boolean).join(' · ');
}

/** Replication: bytes behind the source; scan: changed keys not yet copied again and the oldest one's age. */
export function lagOf(m) {
  if (m.lag?.bytes != null) return bytes(m.lag.bytes);
  if (m.lag?.keys != null) return `${count(m.lag.keys)} keys · ${Math.round(m.lag.seconds ?? 0)} s`;
  return '—';
}

export function drawMigrations(tbody, migrations, databases, selectedId, onSelect) {
  tbody.replaceChildren(...migrations.map((m) => {
    const target = targetOf(m, databases);
    const row = el('tr', { className: m.id === selectedId ? 'selected' : '', tabIndex: 0 },
      el('td', {}, statusPill(m.status)),
      el('td', { className: 'mono' }, sourceOf(m)),
      el('td', {}, target.name, el('div', { className: 'muted mono small' }, target.address)),
      el('td', {}, phaseOf(m)),
      el('td', {}, el('div', { className: 'snapshot' }, progressBar(m.progress.percent),
        el('span', { className: 'small' }, percent(m.progress.percent)))),
      el('td', { className: 'num' }, lagOf(m)),
      el('td', { className: 'small' }, when(m.created_at)));
    row.dataset.migrationId = m.id;
    row.addEventListener('click', () => onSelect(m.id));
    row.addEventListener('keydown', (e) => e.key === 'Enter' && onSelect(m.id));
    return row;
  }));
}
