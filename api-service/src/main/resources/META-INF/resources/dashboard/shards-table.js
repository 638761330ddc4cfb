// A cluster source's shards, one row each: the node the stream follows (and the one the snapshot
// read, when another), slots, phase, snapshot progress, lag, commands applied. Hidden for a standalone source.
import { byId, el, progressBar } from './dom.js';
import { count, percent } from './format.js';
import { lagOf, phaseOf } from './migrations-table.js';

export function drawShards(m) {
  const shards = m.shards ?? [];
  byId('shards').hidden = shards.length === 0;
  byId('shard-rows').replaceChildren(...shards.map((s) => {
    const row = el('tr', {},
      el('td', { className: 'num' }, String(s.shard)),
      el('td', { className: 'mono' }, s.node,
        s.snapshot_node && s.snapshot_node !== s.node ? el('div', { className: 'muted small' }, `snapshot from ${s.snapshot_node}`) : null),
      el('td', { className: 'mono small' }, s.slots),
      el('td', {}, phaseOf(s), s.syncing ? el('div', { className: 'muted small' }, 'syncing') : null),
      el('td', {}, el('div', { className: 'snapshot' }, progressBar(s.progress.percent),
        el('span', { className: 'small' }, percent(s.progress.percent)))),
      el('td', { className: 'num' }, lagOf(s) + (s.lag?.ready_for_cutover ? ' · ready' : '')),
      el('td', { className: 'num' }, count(s.commands_applied)));
    row.dataset.shard = String(s.shard);
    return row;
  }));
}
