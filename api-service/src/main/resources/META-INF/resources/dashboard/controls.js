// The controls of a running migration: its completion (a dialog with the options, then its live step
// and how it ended) and its limits (shown, and changed while it runs).
import { call } from './api.js';
import { byId, setText } from './dom.js';
import { count, when } from './format.js';

const STEPS = {
  waiting_for_offset: 'waiting for the target to reach the source',
  verifying: 'verifying the target against the source',
  stopping: 'stopping the workers',
};

/** Shows the completion's step or outcome, the Complete button while syncing, and the limits. */
export function drawControls(m) {
  const c = m.completion;
  byId('complete').hidden = m.status !== 'syncing' || c?.step != null;
  let text = '';
  if (c?.step) {
    text = `Completing: ${STEPS[c.step] ?? c.step}`
      + (c.source_offset != null ? ` (source offset ${count(c.source_offset)})` : '')
      + (c.deadline ? ` · gives up at ${when(c.deadline)}` : '');
  } else if (m.completed_at) {
    text = `Completed ${when(m.completed_at)}` + (m.final_offset != null ? ` at offset ${count(m.final_offset)}` : '')
      + (c?.note ? ` · ${c.note}` : '');
  } else if (c?.note) {
    text = `Last completion did not end it: ${c.note}`;
  }
  setText('detail-completion', text);

  const limits = m.limits ?? { keys_per_second: 0, commands_per_second: 0 };
  const form = byId('limits-form');
  form.hidden = !(m.status === 'running' || m.status === 'syncing');
  // what the user is typing is not overwritten by the next poll
  if (!form.contains(document.activeElement)) {
    form.elements.keys_per_second.value = limits.keys_per_second;
    form.elements.commands_per_second.value = limits.commands_per_second;
  }
  setText('detail-limits', `${limitText(limits.keys_per_second, 'keys')} · ${limitText(limits.commands_per_second, 'commands')}`);
}

function limitText(value, what) {
  return value > 0 ? `${count(value)} ${what}/s` : `${what}: unlimited`;
}

/** Wires the Complete dialog and the limits form; current() is the migration shown; done() refreshes. */
export function wireControls(current, done) {
  const dialog = byId('complete-dialog');
  let asked = null;
  byId('complete').addEventListener('click', () => {
    asked = current();
    if (asked) {
      setText('complete-message', '');
      dialog.returnValue = '';
      dialog.showModal();
    }
  });
  dialog.addEventListener('close', async () => {
    const m = asked;
    asked = null;
    if (dialog.returnValue !== 'complete' || !m) {
      return;
    }
    const f = byId('complete-form').elements;
    const body = f.force.checked ? { force: true } : {
      verify: f.verify.value,
      ...(f.pause.value.trim() ? { pause_source_writes: f.pause.value.trim() } : {}),
      ...(f.timeout.value.trim() ? { timeout: f.timeout.value.trim() } : {}),
    };
    try {
      await call('POST', `/v2/databases/${m.database_id}/online-migration/${m.id}/complete`, body);
    } catch (e) {
      setText('detail-error', `Not completed: ${e.message}`);
    }
    done();
  });

  byId('limits-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const m = current();
    if (!m) {
      return;
    }
    const f = event.target.elements;
    try {
      await call('PATCH', `/v2/databases/${m.database_id}/online-migration/${m.id}`, {
        limits: { keys_per_second: Number(f.keys_per_second.value || 0), commands_per_second: Number(f.commands_per_second.value || 0) },
      });
      setText('detail-error', '');
    } catch (e) {
      setText('detail-error', `Limits not changed: ${e.message}`);
    }
    document.activeElement?.blur();
    done();
  });
}
