// nash report, part 2: the player over a run's frames (gan/viz/frames.h says what a frame holds),
// the charts of metrics.csv, and a self-test (report.html#selftest) that shows every frame and
// writes what it drew, and any error, into <pre id="selftest">.
'use strict';

const DATA = JSON.parse(document.getElementById('nash-data').textContent);
const VIEW = DATA.view;
const FIXED = DATA.fixed ? safetensors(DATA.fixed).t : {};
const cache = new Map();
function frame(i) {
  if (!cache.has(i)) cache.set(i, DATA.frames[i].st ? safetensors(DATA.frames[i].st).t : {});
  return cache.get(i);
}

// Layers the player can show, by view: [key, label, on at first].
const LAYERS = {
  plane: [['heat', 'D heatmap', true], ['grad', '||grad_x D|| map', false], ['manifold', 'G manifold', true],
          ['real', 'real points', true], ['fake', 'G(z) fakes', true], ['arrows', 'gradient arrows -dL_G/dx', true]],
  line: [['data', 'data density', true], ['gdens', 'G density', true], ['d', 'D(x)', true],
         ['map', 'z -> x map', true], ['real', 'real points', true], ['arrows', 'gradient arrows -dL_G/dx', false]],
  image: [],
};
const shown = {};
const drawn = {};  // what the last render drew, for the self-test

const REAL = '#1f7a3f', FAKE = '#6a3d9a', ARROW = '#d35400';

function circles(X, Y, xs, ys, r) {
  let d = '';
  for (let i = 0; i < xs.length; i++) {
    const x = X(xs[i]), y = Y(ys[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    d += `M${(x - r).toFixed(1)} ${y.toFixed(1)}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
  }
  return d;
}

// Arrows from (x, y) along (dx, dy) * k in pixels, each with a small head; returns [path, count].
function arrows(X, Y, xs, ys, dxs, dys, k) {
  let d = '', n = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = X(xs[i]), y = Y(ys[i]);
    const x2 = X(xs[i] + k * dxs[i]), y2 = Y(ys[i] + k * dys[i]);
    const len = Math.hypot(x2 - x, y2 - y);
    if (!Number.isFinite(len)) continue;
    n++;
    d += `M${x.toFixed(1)} ${y.toFixed(1)}L${x2.toFixed(1)} ${y2.toFixed(1)}`;
    if (len < 2) continue;
    const ux = (x2 - x) / len, uy = (y2 - y) / len, h = Math.min(4, len / 2);
    d += `M${(x2 - h * ux + 0.6 * h * uy).toFixed(1)} ${(y2 - h * uy - 0.6 * h * ux).toFixed(1)}` +
         `L${x2.toFixed(1)} ${y2.toFixed(1)}L${(x2 - h * ux - 0.6 * h * uy).toFixed(1)} ${(y2 - h * uy + 0.6 * h * ux).toFixed(1)}`;
  }
  return [d, n];
}

// The arrow scale: the 95th percentile arrow is `target` data units long.
function arrowScale(lengths, target) {
  const s = Array.from(lengths).filter(isFinite).sort((a, b) => a - b);
  const p = s.length ? s[Math.floor(0.95 * (s.length - 1))] : 0;
  return p > 0 ? target / p : 0;
}

function minmax(a) {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function layer(svg, key, attrs) {
  const g = el('g', Object.assign({ 'data-layer': key }, attrs), svg);
  g.style.display = shown[key] ? '' : 'none';
  return g;
}

// ---- 2-D data: D's surface, the manifold, real and fake points, G's gradient arrows ---------
function drawPlane(box, step, f) {
  const svg = el('svg', { width: 600, height: 540, viewBox: '0 0 600 540' }, box);
  const b = VIEW.box;
  const o = { x: 60, y: 36, w: 440, h: 440, xdom: [b[0], b[1]], ydom: [b[2], b[3]], xlabel: 'x1',
              ylabel: 'x2', title: `${VIEW.data}: D, G's samples and G's gradient — step ${step}` };
  const ax = axes(svg, o);
  const plot = clipTo(svg, 'plane-clip', o);
  const S = VIEW.surface;
  Object.keys(drawn).forEach(k => delete drawn[k]);
  if (f.surface) {
    const [lo, hi] = VIEW.logit ? [0, 1] : minmax(f.surface.data);
    const g = layer(plot, 'heat');
    el('image', { x: o.x, y: o.y, width: o.w, height: o.h, preserveAspectRatio: 'none',
                  href: heatmapURI(f.surface.data, S, lo, hi, diverging) }, g);
    const bar = colorBar(svg, 530, o.y + 20, 180, lo, hi, diverging, VIEW.logit ? 'D(x)' : 'f(x)');
    bar.setAttribute('data-layer', 'heat');
    bar.style.display = shown.heat ? '' : 'none';
    drawn.heat = S * S;
  }
  if (f.grad_norm) {
    const [, hi] = minmax(f.grad_norm.data);
    const g = layer(plot, 'grad', { opacity: 0.85 });
    el('image', { x: o.x, y: o.y, width: o.w, height: o.h, preserveAspectRatio: 'none',
                  href: heatmapURI(f.grad_norm.data, S, 0, hi, sequential) }, g);
    const bar = colorBar(svg, 530, o.y + 250, 180, 0, hi, sequential, '||grad D||');
    bar.setAttribute('data-layer', 'grad');
    bar.style.display = shown.grad ? '' : 'none';
    drawn.grad = S * S;
  }
  if (f.manifold) {
    const [m, k] = f.manifold.shape, v = f.manifold.data;
    let d = '';
    const pt = (i, j) => `${ax.X(v[2 * (i * k + j)]).toFixed(1)} ${ax.Y(v[2 * (i * k + j) + 1]).toFixed(1)}`;
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) d += (j ? 'L' : 'M') + pt(i, j);
    if (k > 1) for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) d += (i ? 'L' : 'M') + pt(i, j);
    el('path', { d, class: 'manifold' }, layer(plot, 'manifold'));
    drawn.manifold = m * k;
  }
  // Fakes first, real points over them (smaller), arrows on top: where G has found the data,
  // both stay visible.
  const real = FIXED.real.data, n = real.length / 2;
  const col = (a, c) => Array.from({ length: a.length / 2 }, (_, i) => a[2 * i + c]);
  const fx = f.fake ? col(f.fake.data, 0) : [], fy = f.fake ? col(f.fake.data, 1) : [];
  if (f.fake) {
    el('path', { d: circles(ax.X, ax.Y, fx, fy, 2.2), fill: FAKE, class: 'dots' }, layer(plot, 'fake'));
    drawn.fake = fx.length;
  }
  el('path', { d: circles(ax.X, ax.Y, col(real, 0), col(real, 1), 1.5), fill: REAL, class: 'dots' }, layer(plot, 'real'));
  drawn.real = n;
  if (f.fake) {
    const px = col(f.pull.data, 0), py = col(f.pull.data, 1);
    const k = arrowScale(px.map((v, i) => Math.hypot(v, py[i])), 0.06 * (b[1] - b[0]));
    const [d, count] = arrows(ax.X, ax.Y, fx, fy, px, py, k);
    el('path', { d, class: 'arrows', stroke: ARROW }, layer(plot, 'arrows'));
    drawn.arrows = count;
    const note = el('text', { x: o.x + o.w, y: 532, 'text-anchor': 'end', class: 'num' }, svg,
                    `arrows: -dL_G/dx x ${fmt(k)}`);
    note.setAttribute('data-layer', 'arrows');
    note.style.display = shown.arrows ? '' : 'none';
  }
  legend(svg, 60, 532, [['real', REAL], ['G(z)', FAKE], ['-dL_G/dx', ARROW]]);
}

function legend(svg, x, y, items) {
  for (const [name, color] of items) {
    el('rect', { x, y: y - 8, width: 10, height: 10, fill: color }, svg);
    el('text', { x: x + 14, y, class: 'num' }, svg, name);
    x += 24 + 7 * name.length;
  }
}

// ---- 1-D data: Goodfellow et al. 2014, Figure 1 ---------------------------------------------
function drawLine(box, step, f) {
  const svg = el('svg', { width: 640, height: 470, viewBox: '0 0 640 470' }, box);
  const b = VIEW.box, x = FIXED.x.data, edges = FIXED.edges.data;
  const top = Math.max(...FIXED.data_density.data, ...(f.density ? f.density.data : [0])) * 1.15;
  const o = { x: 60, y: 36, w: 500, h: 250, xdom: [b[0], b[1]], ydom: [0, top], xlabel: 'x',
              ylabel: 'density', title: `${VIEW.data}: data, G's density and D — step ${step}` };
  const ax = axes(svg, o);
  const plot = clipTo(svg, 'line-clip', o);
  Object.keys(drawn).forEach(k => delete drawn[k]);
  if (f.density) {
    let d = `M${ax.X(edges[0])} ${ax.Y(0)}`;
    f.density.data.forEach((v, i) => { d += `L${ax.X(edges[i])} ${ax.Y(v)}L${ax.X(edges[i + 1])} ${ax.Y(v)}`; });
    d += `L${ax.X(edges[edges.length - 1])} ${ax.Y(0)}Z`;
    el('path', { d, class: 'gdens' }, layer(plot, 'gdens'));
    drawn.gdens = f.density.data.length;
  }
  el('path', { d: polyline(ax.X, ax.Y, x, FIXED.data_density.data), class: 'datadens' }, layer(plot, 'data'));
  drawn.data = x.length;
  if (f.surface) {  // D on its own axis, right
    const [lo, hi] = VIEW.logit ? [0, 1] : minmax(f.surface.data);
    const Yd = v => o.y + o.h - ((v - lo) / (hi - lo || 1)) * o.h;
    el('path', { d: polyline(ax.X, Yd, x, f.surface.data), class: 'dline' }, layer(plot, 'd'));
    const g = layer(svg, 'd');
    for (const t of ticks(lo, hi, 5)) {
      el('line', { x1: o.x + o.w, x2: o.x + o.w + 4, y1: Yd(t), y2: Yd(t), class: 'tick' }, g);
      el('text', { x: o.x + o.w + 6, y: Yd(t) + 3, class: 'num' }, g, fmt(t));
    }
    el('text', { x: o.x + o.w + 46, y: o.y + o.h / 2, 'text-anchor': 'middle', class: 'label',
                 transform: `rotate(90 ${o.x + o.w + 46} ${o.y + o.h / 2})` }, g, VIEW.logit ? 'D(x)' : 'f(x)');
    drawn.d = x.length;
  }
  const real = FIXED.real.data;
  let rug = '';
  for (const v of real) rug += `M${ax.X(v).toFixed(1)} ${o.y + o.h}v-6`;
  el('path', { d: rug, class: 'rug' }, layer(plot, 'real'));
  drawn.real = real.length;
  // The map z -> x = G(z): the x line, the z line below it (its own scale), arrows between.
  const yx = o.y + o.h + 48, yz = yx + 80, zr = VIEW.noise_range;
  const Z = v => o.x + ((v - zr[0]) / (zr[1] - zr[0])) * o.w;
  const g = layer(svg, 'map');
  el('line', { x1: o.x, x2: o.x + o.w, y1: yx, y2: yx, class: 'axisline' }, g);
  el('line', { x1: o.x, x2: o.x + o.w, y1: yz, y2: yz, class: 'axisline' }, g);
  el('text', { x: o.x - 8, y: yx + 4, 'text-anchor': 'end', class: 'label' }, g, 'x');
  el('text', { x: o.x - 8, y: yz + 4, 'text-anchor': 'end', class: 'label' }, g, 'z');
  for (const t of ticks(zr[0], zr[1], 6))
    el('text', { x: Z(t), y: yz + 16, 'text-anchor': 'middle', class: 'num' }, g, fmt(t));
  el('text', { x: o.x + o.w / 2, y: yz + 32, 'text-anchor': 'middle', class: 'label' }, g,
     `z (noise dimension 1 of ${VIEW.noise_dim}${VIEW.noise_dim > 1 ? ', the others at the centre' : ''}) -> x = G(z)`);
  if (f.map_z) {
    let d = '';
    f.map_z.data.forEach((z, i) => {
      const xz = Z(z), xx = ax.X(f.map_x.data[i]);
      d += `M${xz.toFixed(1)} ${yz}L${xx.toFixed(1)} ${yx}`;
      const ux = xx - xz, uy = yx - yz, len = Math.hypot(ux, uy);
      const hx = (ux / len) * 6, hy = (uy / len) * 6;
      d += `M${(xx - hx - hy * 0.5).toFixed(1)} ${(yx - hy + hx * 0.5).toFixed(1)}L${xx.toFixed(1)} ${yx}` +
           `L${(xx - hx + hy * 0.5).toFixed(1)} ${(yx - hy - hx * 0.5).toFixed(1)}`;
    });
    el('path', { d, class: 'maparrows' }, g);
    drawn.map = f.map_z.data.length;
  }
  if (f.fake) {  // G's gradient on its fixed samples, drawn along the x line
    const k = arrowScale(f.pull.data.map(Math.abs), 0.04 * (b[1] - b[0]));
    const zeros = new Float32Array(f.fake.data.length);
    const Ya = () => yx - 18;
    const [d, count] = arrows(ax.X, Ya, f.fake.data, zeros, f.pull.data, zeros, k);
    el('path', { d, class: 'arrows', stroke: ARROW }, layer(svg, 'arrows'));
    drawn.arrows = count;
  }
  legend(svg, 60, 462, [['data density', '#000'], ['G density', '#2e8b57'], ['D(x)', '#1f4fbf'], ['-dL_G/dx', ARROW]]);
}

// ---- images: the fixed-noise grid ------------------------------------------------------------
function drawImage(box, step, i) {
  const fig = html('figure', {}, box);
  const img = html('img', { src: DATA.frames[i].png, alt: `G(z) at step ${step}`, class: 'grid' }, fig);
  html('figcaption', {}, fig, `G(z) on the fixed noise batch — step ${step}`);
  Object.keys(drawn).forEach(k => delete drawn[k]);
  drawn.image = img.src.length > 0 ? 1 : 0;
}

// D's outputs on the step's real and fake batches, as two histograms.
function drawOutputs(box, step, f) {
  if (!f.d_real) return;
  const lo0 = VIEW.logit ? 0 : Math.min(...minmax(f.d_real.data), ...minmax(f.d_fake.data));
  const hi0 = VIEW.logit ? 1 : Math.max(...minmax(f.d_real.data), ...minmax(f.d_fake.data));
  const [lo, hi] = hi0 > lo0 ? [lo0, hi0] : [lo0 - 1, hi0 + 1];
  const bins = 20, hist = a => {
    const h = new Array(bins).fill(0);
    for (const v of a) h[Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)))] += 1 / a.length;
    return h;
  };
  const hr = hist(f.d_real.data), hf = hist(f.d_fake.data);
  const svg = el('svg', { width: 340, height: 230, viewBox: '0 0 340 230' }, box);
  const o = { x: 56, y: 30, w: 260, h: 150, xdom: [lo, hi], ydom: [0, Math.max(...hr, ...hf) * 1.1 || 1],
              xlabel: VIEW.logit ? 'D(x)' : 'f(x)', ylabel: 'share of batch', title: `D on the step's batches — step ${step}` };
  const ax = axes(svg, o);
  for (const [h, color] of [[hr, REAL], [hf, FAKE]]) {
    let d = `M${ax.X(lo)} ${ax.Y(0)}`;
    h.forEach((v, i) => { d += `L${ax.X(lo + ((hi - lo) * i) / bins)} ${ax.Y(v)}L${ax.X(lo + ((hi - lo) * (i + 1)) / bins)} ${ax.Y(v)}`; });
    el('path', { d: d + `L${ax.X(hi)} ${ax.Y(0)}`, stroke: color, fill: color, 'fill-opacity': 0.2, 'stroke-width': 1.5 }, svg);
  }
  legend(svg, 56, 224, [['real batch', REAL], ['fake batch', FAKE]]);
  drawn.outputs = f.d_real.data.length + f.d_fake.data.length;
}
