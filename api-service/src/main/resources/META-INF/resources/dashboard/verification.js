// The selected migration's latest verification (POST/GET /v2/migrations/{id}/verify): its state,
// progress, verdict and mismatches by kind, and a button that starts a full comparison.
import { byId, el, setText } from './dom.js';
import { count, percent, when } from './format.js';

const KINDS = ['missing', 'extra', 'type', 'value', 'ttl'];

/** Draws a verification, or that there is none yet (v null). */
export function drawVerification(v) {
  const verdict = byId('verify-verdict');
  if (!v) {
    verdict.textContent = 'not verified';
    verdict.className = 'pill';
    setText('verify-summary', 'Compare source and target key by key: type, value and TTL.');
    byId('verify-mismatches').replaceChildren();
    return;
  }
  const state = v.verdict ?? v.status;
  verdict.textContent = state;
  verdict.className = `pill verdict-${state}`;
  const checked = `${count(v.progress.keys_checked)} keys checked`;
  setText('verify-summary', v.status === 'running'
    ? `${v.mode} comparison: ${percent(v.progress.percent)}, ${checked}, ${count(v.progress.mismatches)} mismatches so far`
    : v.error ?? `${v.mode} comparison of ${when(v.created_at)}: ${checked}`);
  const mismatches = v.result?.mismatches;
  byId('verify-mismatches').replaceChildren(...(mismatches ? KINDS.filter((k) => mismatches[k]?.count > 0) : [])
    .map((k) => el('li', {}, el('span', { className: 'event-type' }, `${k}: ${count(mismatches[k].count)}`),
      el('span', {}, mismatches[k].keys.slice(0, 5).map((key) => `db${key.db} ${key.key}`).join(', ')))));
}

/** Wires the verify button: onVerify() starts a comparison of the migration shown. */
export function wireVerify(onVerify) {
  byId('verify').addEventListener('click', onVerify);
}
