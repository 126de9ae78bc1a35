// nash report, part 1: drawing helpers. SVG elements, numbered axes, line charts with a cursor at
// the player's step, colour maps and safetensors decoding. Plain JavaScript, no libraries.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';  // a namespace name, never fetched

function el(tag, attrs, parent, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function html(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// ---- numbers --------------------------------------------------------------------------------
function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(+v.toPrecision(4));
}

// About n round numbers covering [lo, hi].
function ticks(lo, hi, n) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  let step = Math.pow(10, Math.floor(Math.log10(span / n)));
  const err = (n / span) * step;
  if (err <= 0.15) step *= 10;
  else if (err <= 0.35) step *= 5;
  else if (err <= 0.75) step *= 2;
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(+(k * step).toPrecision(12));
  return out;
}

function logTicks(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const v = Math.pow(10, e);
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
  }
  return out.length >= 2 ? out : [lo, hi];
}

// [min, max] of finite values (positive ones only when log), padded; fallback when none.
function extent(arrays, log, pad, fallback) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays)
    for (const v of a)
      if (Number.isFinite(v) && (!log || v > 0)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo > hi) return fallback || [0, 1];
  if (log) return lo === hi ? [lo / 2, hi * 2] : [lo / 1.2, hi * 1.2];
  if (lo === hi) return [lo - 1, hi + 1];
  const p = (hi - lo) * (pad === undefined ? 0.05 : pad);
  return [lo - p, hi + p];
}

// ---- axes -----------------------------------------------------------------------------------
// A plotting area at (x, y) of size w x h in `svg`: numbered ticks on both axes, axis labels,
// a title. Returns the scales X, Y and the title element (the player rewrites its step).
function axes(svg, o) {
  const [x0, x1] = o.xdom, [y0, y1] = o.ydom;
  const X = v => o.x + ((v - x0) / (x1 - x0)) * o.w;
  const Y = o.ylog
    ? v => o.y + o.h - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * o.h
    : v => o.y + o.h - ((v - y0) / (y1 - y0)) * o.h;
  const g = el('g', { class: 'axes' }, svg);
  el('rect', { x: o.x, y: o.y, width: o.w, height: o.h, class: 'frame' }, g);
  for (const t of ticks(x0, x1, o.w / 70)) {
    el('line', { x1: X(t), x2: X(t), y1: o.y + o.h, y2: o.y + o.h + 4, class: 'tick' }, g);
    el('text', { x: X(t), y: o.y + o.h + 15, 'text-anchor': 'middle', class: 'num' }, g, fmt(t));
  }
  for (const t of o.ylog ? logTicks(y0, y1) : ticks(y0, y1, o.h / 40)) {
    el('line', { x1: o.x - 4, x2: o.x, y1: Y(t), y2: Y(t), class: 'tick' }, g);
    el('text', { x: o.x - 6, y: Y(t) + 3, 'text-anchor': 'end', class: 'num' }, g, fmt(t));
  }
  el('text', { x: o.x + o.w / 2, y: o.y + o.h + 32, 'text-anchor': 'middle', class: 'label' }, g, o.xlabel);
  el('text', { x: 12, y: o.y + o.h / 2, 'text-anchor': 'middle', class: 'label',
               transform: `rotate(-90 12 ${o.y + o.h / 2})` }, g, o.ylabel);
  const title = el('text', { x: o.x, y: o.y - 10, class: 'title' }, g, o.title);
  return { X, Y, title, g };
}

function clipTo(svg, id, o) {
  const defs = el('defs', {}, svg);
  const cp = el('clipPath', { id }, defs);
  el('rect', { x: o.x, y: o.y, width: o.w, height: o.h }, cp);
  return el('g', { 'clip-path': `url(#${id})` }, svg);
}

function polyline(X, Y, xs, ys, keep) {
  let d = '', pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i]) || (keep && !keep(ys[i]))) { pen = false; continue; }
    d += (pen ? 'L' : 'M') + X(xs[i]).toFixed(1) + ' ' + Y(ys[i]).toFixed(1);
    pen = true;
  }
  return d;
}

// A line chart of series [{name, x, y, color, dash}] with horizontal reference lines
// [{y, label}], a legend and a cursor. chart.at(step) moves the cursor and retitles the chart.
let clipCount = 0;
function lineChart(parent, spec) {
  const W = spec.width || 460, H = spec.height || 250;
  const o = { x: 62, y: 30, w: W - 80, h: H - 76 };
  const svg = el('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'chart' }, parent);
  const xs = spec.series.map(s => s.x);
  o.xdom = extent(xs, false, 0, [0, 1]);
  if (o.xdom[0] === o.xdom[1]) o.xdom[1] = o.xdom[0] + 1;
  const refs = (spec.hlines || []).map(h => [h.y]);
  o.ydom = spec.ydom || extent(spec.series.map(s => s.y).concat(refs), spec.ylog, 0.05, spec.ylog ? [1e-3, 1] : [0, 1]);
  o.ylog = spec.ylog;
  o.xlabel = spec.xlabel || 'step';
  o.ylabel = spec.ylabel;
  o.title = spec.title;
  const ax = axes(svg, o);
  const plot = clipTo(svg, 'clip' + clipCount++, o);
  for (const h of spec.hlines || []) {
    el('line', { x1: o.x, x2: o.x + o.w, y1: ax.Y(h.y), y2: ax.Y(h.y), class: 'ref' }, plot);
    const y = ax.Y(h.y) < o.y + 14 ? ax.Y(h.y) + 12 : ax.Y(h.y) - 4;  // below the line at the top edge
    el('text', { x: o.x + o.w - 4, y, 'text-anchor': 'end', class: 'reflabel' }, plot, h.label);
  }
  spec.series.forEach(s => {
    el('path', { d: polyline(ax.X, ax.Y, s.x, s.y, spec.ylog ? v => v > 0 : null), stroke: s.color,
                 'stroke-dasharray': s.dash || 'none', class: 'series' }, plot);
  });
  const legend = el('g', {}, svg);
  let lx = o.x;
  for (const s of spec.series) {
    el('line', { x1: lx, x2: lx + 16, y1: H - 8, y2: H - 8, stroke: s.color, 'stroke-dasharray': s.dash || 'none',
                 'stroke-width': 2 }, legend);
    const t = el('text', { x: lx + 20, y: H - 4, class: 'num' }, legend, s.name);
    lx += 28 + 6.2 * s.name.length;
  }
  const cursor = el('line', { y1: o.y, y2: o.y + o.h, class: 'cursor' }, svg);
  return {
    at(step) {
      const x = Math.max(o.x, Math.min(o.x + o.w, ax.X(step)));
      cursor.setAttribute('x1', x);
      cursor.setAttribute('x2', x);
      ax.title.textContent = `${spec.title} — step ${step}`;
    },
  };
}

// ---- colour maps ----------------------------------------------------------------------------
// t in [0, 1] -> [r, g, b]: fake (purple) through white to real (green), as GAN Lab colours D.
function diverging(t) {
  const lo = [123, 80, 190], mid = [250, 250, 250], hi = [40, 160, 90];
  t = Math.max(0, Math.min(1, t));
  const [a, b, u] = t < 0.5 ? [lo, mid, t * 2] : [mid, hi, t * 2 - 1];
  return a.map((v, i) => Math.round(v + (b[i] - v) * u));
}

function sequential(t) {  // white -> dark orange
  const a = [255, 255, 255], b = [200, 80, 0];
  t = Math.max(0, Math.min(1, t));
  return a.map((v, i) => Math.round(v + (b[i] - v) * Math.sqrt(t)));
}

// An s x s field (row 0 on top) as a PNG data URI, through colour map `cmap` of (v - lo) / (hi - lo).
function heatmapURI(values, s, lo, hi, cmap) {
  const canvas = document.createElement('canvas');
  canvas.width = s;
  canvas.height = s;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(s, s);
  for (let i = 0; i < s * s; i++) {
    const [r, g, b] = cmap(hi > lo ? (values[i] - lo) / (hi - lo) : 0.5);
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL('image/png');
}

// A vertical colour bar at (x, y) of height h for [lo, hi], numbered.
function colorBar(svg, x, y, h, lo, hi, cmap, label) {
  const g = el('g', {}, svg);
  const n = 40;
  for (let i = 0; i < n; i++) {
    const [r, gg, b] = cmap(1 - (i + 0.5) / n);
    el('rect', { x, y: y + (i * h) / n, width: 12, height: h / n + 0.5, fill: `rgb(${r},${gg},${b})` }, g);
  }
  el('rect', { x, y, width: 12, height: h, class: 'frame' }, g);
  for (const t of ticks(lo, hi, 5)) {
    const ty = y + h - ((t - lo) / (hi - lo || 1)) * h;
    el('text', { x: x + 16, y: ty + 3, class: 'num' }, g, fmt(t));
  }
  el('text', { x: x + 6, y: y - 8, 'text-anchor': 'middle', class: 'num' }, g, label);
  return g;
}

// ---- safetensors ----------------------------------------------------------------------------
function base64Bytes(s) {
  const bin = atob(s);
  const a = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);
  return a;
}

// {meta, t: {name: {shape, data: Float32Array}}} from a safetensors file in base64 (F32 only).
function safetensors(b64) {
  const bytes = base64Bytes(b64);
  const view = new DataView(bytes.buffer);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const out = { meta: header.__metadata__ || {}, t: {} };
  for (const name in header) {
    if (name === '__metadata__') continue;
    const h = header[name];
    if (h.dtype !== 'F32') throw new Error(`frame tensor ${name}: dtype ${h.dtype}, expected F32`);
    const [b, e] = h.data_offsets;
    out.t[name] = { shape: h.shape, data: new Float32Array(bytes.slice(8 + n + b, 8 + n + e).buffer) };
  }
  return out;
}
