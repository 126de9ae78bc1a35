// nash report, part 3: the page — player controls (slider, play/pause, single steps, layer
// toggles), the metric charts with their equilibrium values, per-layer gradient norms over time,
// and the self-test.
'use strict';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf',
                 '#7f7f7f', '#bcbd22'];
const charts = [];
let current = 0;
let timer = null;

function show(i) {
  current = Math.max(0, Math.min(DATA.frames.length - 1, i));
  const step = DATA.frames[current].step;
  const box = document.getElementById('view');
  const side = document.getElementById('side');
  box.textContent = '';
  side.textContent = '';
  const f = frame(current);
  if (VIEW.view === 'plane') drawPlane(box, step, f);
  else if (VIEW.view === 'line') drawLine(box, step, f);
  else drawImage(box, step, current);
  drawOutputs(side, step, f);
  document.getElementById('slider').value = current;
  document.getElementById('steplabel').textContent =
    `step ${step} of ${VIEW.steps} (frame ${current + 1} of ${DATA.frames.length})`;
  for (const c of charts) c.at(step);
}

function play() {
  const button = document.getElementById('play');
  if (timer) {
    clearInterval(timer);
    timer = null;
    button.textContent = 'play';
    return;
  }
  if (current === DATA.frames.length - 1) show(0);
  button.textContent = 'pause';
  timer = setInterval(() => {
    if (current >= DATA.frames.length - 1) return play();
    show(current + 1);
  }, 250);
}

function buildPlayer() {
  const root = document.getElementById('player');
  if (!VIEW || !DATA.frames.length) {
    html('p', {}, root, 'No frames in this run directory: train with --viz-every N (toy data records every 100 steps by default).');
    return false;
  }
  const bar = html('div', { class: 'controls' }, root);
  html('button', { id: 'prev', title: 'previous frame (left arrow)' }, bar, 'prev').onclick = () => show(current - 1);
  html('button', { id: 'play', title: 'play / pause (space)' }, bar, 'play').onclick = play;
  html('button', { id: 'next', title: 'next frame (right arrow)' }, bar, 'next').onclick = () => show(current + 1);
  const slider = html('input', { id: 'slider', type: 'range', min: 0, max: DATA.frames.length - 1, value: 0 }, bar);
  slider.oninput = () => show(+slider.value);
  html('span', { id: 'steplabel' }, bar);
  const toggles = html('div', { class: 'layers' }, root);
  for (const [key, label, on] of LAYERS[VIEW.view]) {
    if (key === 'grad' && !VIEW.penalty) continue;
    shown[key] = on;
    const lab = html('label', {}, toggles);
    const box = html('input', { type: 'checkbox', 'data-key': key }, lab);
    box.checked = on;
    box.onchange = () => {
      shown[key] = box.checked;
      for (const e of document.querySelectorAll(`[data-layer="${key}"]`)) e.style.display = box.checked ? '' : 'none';
    };
    lab.appendChild(document.createTextNode(' ' + label));
  }
  const views = html('div', { class: 'views' }, root);
  html('div', { id: 'view' }, views);
  html('div', { id: 'side' }, views);
  document.addEventListener('keydown', e => {
    if (e.target.tagName === 'INPUT' && e.target.type !== 'range') return;
    if (e.key === 'ArrowLeft') show(current - 1);
    else if (e.key === 'ArrowRight') show(current + 1);
    else if (e.key === ' ') { e.preventDefault(); play(); }
  });
  return true;
}

// ---- metrics.csv ----------------------------------------------------------------------------
function buildCharts() {
  const m = DATA.metrics, o = DATA.objective, root = document.getElementById('curves');
  if (!m.step.length) {
    html('p', {}, root, 'metrics.csv has no rows yet.');
    return;
  }
  const s = (name, key, color, dash) => ({ name, x: m.step, y: m[key], color, dash });
  charts.push(lineChart(root, {
    title: 'Losses', ylabel: 'loss',
    series: [s('D loss', 'd_loss', '#1f4fbf'), s('G loss', 'g_loss', '#d35400')],
    hlines: o.logit ? [{ y: Math.log(4), label: "log 4: D's loss at the minimax equilibrium" }] : [],
  }));
  charts.push(lineChart(root, {
    title: o.logit ? 'D(x) and D(G(z))' : 'Critic scores f(x), f(G(z))', ylabel: o.logit ? 'mean probability' : 'mean score',
    series: [s(o.logit ? 'D(x)' : 'f(x)', 'd_real', '#1f7a3f'), s(o.logit ? 'D(G(z))' : 'f(G(z))', 'd_fake', '#6a3d9a')],
    hlines: o.logit ? [{ y: 0.5, label: 'equilibrium: D = 1/2 everywhere' }] : [],
    ydom: o.logit ? [0, 1] : undefined,
  }));
  if (o.wasserstein)
    charts.push(lineChart(root, { title: 'Wasserstein estimate E f(x) - E f(G(z))', ylabel: 'estimate',
                                  series: [s('W estimate', 'wasserstein', '#8c564b')] }));
  if (o.penalty)
    charts.push(lineChart(root, { title: 'Penalty', ylabel: 'penalty term / mean ||grad D||',
                                  series: [s('penalty', 'penalty', '#d62728'), s('mean ||grad D||', 'penalty_norm', '#7f7f7f', '4 3')],
                                  hlines: o.name === 'wgan-gp' ? [{ y: 1, label: '||grad f|| = 1 (the penalty\'s target)' }] : [] }));
  if (o.name === 'wgan')
    charts.push(lineChart(root, { title: 'Clipped critic weights', ylabel: 'share at +-c',
                                  series: [s('clipped', 'clipped_fraction', '#7f7f7f')], ydom: [0, 1] }));
  charts.push(lineChart(root, { title: 'Gradient norms (all parameters)', ylabel: '||grad|| (log)', ylog: true,
                                series: [s('D', 'grad_norm_d', '#1f4fbf'), s('G', 'grad_norm_g', '#d35400')] }));
  if (DATA.rows > m.step.length)
    html('p', { class: 'note' }, root, `${DATA.rows} steps, shown as means over ${m.step.length} windows.`);
}

// Per-layer gradient norms over the frames' steps (the backward hook's record).
function buildLayerCharts() {
  const root = document.getElementById('layers');
  if (!VIEW || !DATA.frames.length) return;
  let any = false;
  for (const [net, key, names] of [['G', 'grad_norm_g', VIEW.layers_g], ['D', 'grad_norm_d', VIEW.layers_d]]) {
    const steps = [], rows = [];
    DATA.frames.forEach((fr, i) => {
      const t = frame(i)[key];
      if (t) { steps.push(fr.step); rows.push(t.data); }
    });
    if (!steps.length) continue;
    any = true;
    const series = names.map((name, l) => ({ name: `${net}.${name}`, x: steps, y: rows.map(r => r[l]),
                                              color: PALETTE[l % PALETTE.length] }));
    charts.push(lineChart(root, { title: `${net}'s gradient norm per layer`, ylabel: '||grad|| (log)', ylog: true,
                                  series, width: 620, height: 280 }));
  }
  if (!any) html('p', {}, root, 'No gradient norms recorded yet.');
}

// ---- start ----------------------------------------------------------------------------------
const hasPlayer = buildPlayer();
buildCharts();
buildLayerCharts();
if (hasPlayer) show(DATA.frames.length - 1);
else for (const c of charts) c.at(DATA.metrics.step.length ? DATA.metrics.step[DATA.metrics.step.length - 1] : 0);

// report.html#selftest: once the page has loaded (blocked requests are reported asynchronously),
// show every frame, then write what was drawn and every error seen.
function selftest() {
  const result = { frames: DATA.frames.length, shown: 0, view: VIEW ? VIEW.view : null, drawn: {} };
  try {
    for (let i = 0; i < DATA.frames.length; i++) {
      show(i);
      result.shown++;
    }
    result.drawn = Object.assign({}, drawn);
  } catch (e) {
    window.__nash_errors.push(String((e && e.stack) || e));
  }
  result.charts = charts.length;
  result.errors = window.__nash_errors;
  result.violations = window.__nash_violations;
  result.resources = performance.getEntriesByType('resource').map(r => r.name);
  html('pre', { id: 'selftest' }, document.body, JSON.stringify(result));
}
if (location.hash === '#selftest') window.addEventListener('load', () => setTimeout(selftest, 0));
