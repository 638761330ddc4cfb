// The selected migration: snapshot progress with rate and time left, the lag chart, a cluster
// source's shards, its events, and the stop button behind a confirmation.
import { drawControls } from './controls.js';
import { byId, el, setBar, setText } from './dom.js';
import { bytes, count, duration, percent, when } from './format.js';
import { drawLagChart } from './lag-chart.js';
import { lagOf, phaseOf, sourceOf, targetOf } from './migrations-table.js';
import { drawShards } from './shards-table.js';

const ACTIVE = new Set(['running', 'syncing']);

export function drawDetail(m, databases, samples, events, now) {
  const target = targetOf(m, databases);
  setText('detail-title', `${sourceOf(m)} → ${target.name}`);
  setText('detail-sub', `${phaseOf(m)} · migration ${m.id} · started ${when(m.created_at)}`
    + (m.ignore_dbs?.length ? ` · ignoring db${m.ignore_dbs.join(', db')}` : ''));
  const status = byId('detail-status');
  status.textContent = m.status;
  status.className = `pill status-${m.status}`;
  byId('stop').hidden = !ACTIVE.has(m.status);
  setText('detail-error', m.error ?? '');
  drawControls(m);

  const p = m.progress;
  setBar(byId('detail-progress'), p.percent);
  setText('detail-percent', percent(p.percent));
  // keys written to the source during the copy can take the count past the total counted at its start
  const total = p.keys_total == null ? null : Math.max(p.keys_total, p.keys_copied);
  setText('detail-keys', total == null ? count(p.keys_copied) : `${count(p.keys_copied)} / ${count(total)}`);
  setText('detail-bytes', bytes(p.bytes_copied));
  const copying = m.phase === 'snapshot' && p.percent < 100;
  if (copying) {
    const rate = samples.keysPerSecond(m.id);
    setText('detail-rate', rate == null ? '—' : count(Math.round(rate)));
    setText('detail-eta', rate > 0 && total != null ? duration((total - p.keys_copied) / rate) : '—');
  } else {
    // a finished copy: its average rate, by the worker's clock (the API's keys_per_second)
    const rate = p.keys_per_second;
    setText('detail-rate', rate == null ? '—' : count(rate));
    setText('detail-eta', p.percent < 100 ? '—' : rate > 0 ? `done in ${duration(p.keys_copied / rate)}` : 'done');
  }

  drawLagChart(byId('lag-chart'), samples.lag(m.id), now);
  setText('detail-lag', m.lag?.ready_for_cutover ? `${lagOf(m)} · ready for cut-over`
    : m.lag?.bytes != null && m.lag.seconds != null ? `${lagOf(m)} · ${m.lag.seconds.toFixed(1)} s behind` : lagOf(m));
  // replication: source → change log (near 0 whatever the target does) · change log → target
  setText('detail-lag-parts', m.lag?.apply_bytes == null ? '—'
    : `${bytes(m.lag.capture_bytes ?? 0)} · ${bytes(m.lag.apply_bytes)}`
      + (m.lag.apply_seconds ? ` (${m.lag.apply_seconds.toFixed(1)} s)` : ''));
  setText('detail-commands', count(m.commands_applied));
  setText('detail-offset', m.lag?.offset == null ? '—' : count(m.lag.offset));

  drawShards(m);

  byId('events').replaceChildren(...[...events].reverse().map((e) => el('li', {},
    el('time', {}, when(e.at)), el('span', { className: 'event-type' }, e.type), el('span', {}, e.message ?? ''))));
}

/** Wires the stop button: a dialog asks first; onConfirmed(migration) does the stop. */
export function wireStop(current, onConfirmed) {
  const dialog = byId('stop-dialog');
  let asked = null; // the migration shown when the dialog opened
  byId('stop').addEventListener('click', () => {
    asked = current();
    if (asked) {
      setText('stop-text', `Migration ${asked.id} from ${sourceOf(asked)} is ${asked.status}.`);
      dialog.returnValue = '';
      dialog.showModal();
    }
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'stop' && asked) {
      onConfirmed(asked);
    }
    asked = null;
  });
}
