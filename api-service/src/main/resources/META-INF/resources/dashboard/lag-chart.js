// The stream's lag over the chart span as a small SVG area chart, drawn anew on each poll.
import { bytes } from './format.js';
import { CHART_SPAN_MS } from './samples.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 150;
const PAD = { left: 64, right: 8, top: 10, bottom: 20 };

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    node.setAttribute(k, v);
  }
  if (text != null) {
    node.textContent = text;
  }
  return node;
}

/** A round top for the y axis, in the unit the labels use: 1, 2 or 5 times a power of ten of B, KiB, MiB... */
function niceMax(max) {
  if (max <= 0) {
    return 1024;
  }
  const unit = 1024 ** Math.floor(Math.log(max) / Math.log(1024));
  const scaled = max / unit;
  const power = 10 ** Math.floor(Math.log10(scaled));
  // past 1023 of a unit, the next unit's 1 reads better (1 MiB rather than 2000 KiB)
  return Math.min(1024, [1, 2, 5, 10].map((f) => f * power).find((v) => v >= scaled)) * unit;
}

/** @param points [{t, lag}] oldest first, @param now ms */
export function drawLagChart(container, points, now) {
  const width = Math.max(240, container.clientWidth);
  const chart = svg('svg', { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img' });
  const top = niceMax(Math.max(0, ...points.map((p) => p.lag)));
  const x = (t) => PAD.left + ((t - (now - CHART_SPAN_MS)) / CHART_SPAN_MS) * (width - PAD.left - PAD.right);
  const y = (lag) => PAD.top + (1 - lag / top) * (HEIGHT - PAD.top - PAD.bottom);

  for (const fraction of [0, 0.5, 1]) {
    const at = y(top * fraction);
    chart.append(svg('line', { x1: PAD.left, x2: width - PAD.right, y1: at, y2: at, class: 'grid' }));
    chart.append(svg('text', { x: PAD.left - 6, y: at + 4, class: 'axis', 'text-anchor': 'end' }, bytes(top * fraction)));
  }
  for (const [offset, label] of [[CHART_SPAN_MS, '5 min ago'], [CHART_SPAN_MS / 2, '2.5 min'], [0, 'now']]) {
    const anchor = offset === 0 ? 'end' : offset === CHART_SPAN_MS ? 'start' : 'middle';
    chart.append(svg('text', { x: x(now - offset), y: HEIGHT - 4, class: 'axis', 'text-anchor': anchor }, label));
  }

  if (points.length) {
    const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.lag).toFixed(1)}`).join(' ');
    const last = points[points.length - 1];
    const area = `${line} L${x(last.t).toFixed(1)},${y(0)} L${x(points[0].t).toFixed(1)},${y(0)} Z`;
    chart.append(svg('path', { d: area, class: 'area' }), svg('path', { d: line, class: 'line' }));
    chart.append(svg('circle', { cx: x(last.t), cy: y(last.lag), r: 3, class: 'dot' }));
  } else {
    chart.append(svg('text', { x: width / 2, y: HEIGHT / 2, class: 'axis', 'text-anchor': 'middle' },
      'no lag reported yet: the stream starts after the snapshot'));
  }
  chart.setAttribute('aria-label', points.length ? `stream lag, now ${bytes(points[points.length - 1].lag)}` : 'no lag yet');
  container.replaceChildren(chart);
}
