// What successive polls saw of each migration. The API gives totals only: rates and the lag's
// history come from keeping recent answers here, in the page.
export const CHART_SPAN_MS = 5 * 60_000;
// Progress events come every second; a rate over ten seconds of them does not jump about.
const RATE_SPAN_MS = 10_000;

export class Samples {
  #byId = new Map();

  /** Records one poll's migrations at time now (ms); forgets migrations no longer listed. */
  add(now, migrations) {
    const seen = new Set();
    for (const m of migrations) {
      seen.add(m.id);
      const list = this.#byId.get(m.id) ?? [];
      // an ended migration's lag is its last report, not a live figure: not charted on
      const active = m.status === 'running' || m.status === 'syncing';
      list.push({ t: now, keys: m.progress?.keys_copied ?? 0, lag: active ? m.lag?.bytes ?? null : null });
      while (list.length && list[0].t < now - CHART_SPAN_MS) {
        list.shift();
      }
      this.#byId.set(m.id, list);
    }
    for (const id of this.#byId.keys()) {
      if (!seen.has(id)) {
        this.#byId.delete(id);
      }
    }
  }

  /** Keys copied per second over the last seconds, or null until two polls are far enough apart. */
  keysPerSecond(id) {
    const list = this.#byId.get(id) ?? [];
    const last = list[list.length - 1];
    const first = list.find((s) => s.t >= last?.t - RATE_SPAN_MS);
    if (!last || last.t - first.t < 1500) {
      return null;
    }
    return (last.keys - first.keys) / ((last.t - first.t) / 1000);
  }

  /** [{t, lag}] of the polls that knew the lag. */
  lag(id) {
    return (this.#byId.get(id) ?? []).filter((s) => s.lag != null).map(({ t, lag }) => ({ t, lag }));
  }
}
