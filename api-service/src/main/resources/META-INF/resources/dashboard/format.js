// How figures read on the page.
const numbers = new Intl.NumberFormat('en');

export function count(n) {
  return n == null ? '—' : numbers.format(n);
}

export function bytes(n) {
  if (n == null) {
    return '—';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function percent(p) {
  return p == null ? '—' : `${p.toFixed(p % 1 === 0 ? 0 : 1)} %`;
}

/** A length of time in seconds, to the two largest units: "3 min 20 s". */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) {
    return '—';
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${s % 60} s`;
  }
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A time of day, with the date when it is not today. */
export function when(iso) {
  if (!iso) {
    return '—';
  }
  const at = new Date(iso);
  const time = at.toLocaleTimeString('en-GB', { hour12: false });
  return at.toDateString() === new Date().toDateString()
    ? time
    : `${at.toLocaleDateString('en-CA')} ${time}`;
}
