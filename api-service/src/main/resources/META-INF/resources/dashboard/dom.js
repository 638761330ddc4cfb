// Builds elements from API data with textContent only: a message from a server never becomes markup.

/** el('td', {className: 'x'}, 'text', child, ...) */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null && c !== false));
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export function setText(id, value) {
  byId(id).textContent = value;
}

/** Sets a .bar element (a progressbar with a <span> inside) to a percentage. */
export function setBar(bar, percent) {
  const p = Math.max(0, Math.min(100, percent ?? 0));
  bar.setAttribute('aria-valuenow', String(p));
  bar.firstElementChild.style.width = `${p}%`;
  bar.classList.toggle('complete', p >= 100);
}

export function progressBar(percent) {
  const bar = el('div', { className: 'bar' }, el('span'));
  bar.setAttribute('role', 'progressbar');
  setBar(bar, percent);
  return bar;
}

export function statusPill(status) {
  return el('span', { className: `pill status-${status}` }, status);
}
