// Runs: every run folder with its status, a live loss chart (pushed over Server-Sent Events while a run trains), its
// config, checkpoints and summary; a form that starts `retune train` as its own process, and a Stop button (SIGTERM).
Studio.tab('runs', section => {
  const { el, api, toast, number } = Studio;
  const REFRESH_MS = 3000;

  const configSelect = el('select', { id: 'runs-config', 'data-test': 'runs-config' });
  const upload = el('input', { id: 'runs-upload', 'data-test': 'runs-upload', type: 'file', accept: '.yaml,.yml,.json' });
  const nameInput = el('input', { id: 'runs-name', 'data-test': 'runs-name', placeholder: 'default: the config name' });
  const setLines = el('textarea', { id: 'runs-set', 'data-test': 'runs-set', placeholder: 'train.max_steps=200 (one KEY=VALUE a line)' });
  const startButton = el('button', { id: 'runs-start', 'data-test': 'runs-start', type: 'submit' }, 'Start training');
  const startForm = el('form', { id: 'runs-start-form', class: 'card', onsubmit: startRun },
    el('h3', {}, 'Start training'),
    el('div', { class: 'row' },
      el('label', {}, 'Shipped config', configSelect),
      el('label', {}, 'or upload a config', upload),
      el('label', {}, 'Run name', nameInput)),
    el('label', {}, 'Extra --set lines', setLines),
    el('div', { class: 'row' }, startButton,
      el('span', { class: 'muted' }, 'Runs as a separate `retune train` process: closing the page does not stop it.')));

  const tableBody = el('tbody', { id: 'runs-rows' });
  const listCard = el('div', { class: 'card' },
    el('div', { class: 'row' }, el('h3', {}, 'Runs'),
      el('button', { id: 'runs-refresh', class: 'secondary', type: 'button', onclick: refresh }, 'Refresh')),
    el('table', { id: 'runs-table', 'data-test': 'runs-table' },
      el('thead', {}, el('tr', {}, ['run', 'status', 'steps', 'best valid loss', 'last loss', 'checkpoints', 'modified'].map(h => el('th', {}, h)))),
      tableBody),
    el('p', { id: 'runs-empty', class: 'muted', hidden: true }, 'No run folders under runs/ yet.'));

  const details = el('div', { id: 'run-details', class: 'card', hidden: true });
  section.append(startForm, listCard, details);

  let selected = null; // the run whose details are shown
  let stream = null; // its EventSource
  const chart = { steps: [], evals: [] };

  // --- the list ---

  async function refresh() {
    try {
      const { runs } = await api('/api/runs');
      tableBody.replaceChildren(...runs.map(row));
      document.getElementById('runs-empty').hidden = runs.length > 0;
    } catch (e) {
      toast(e.message);
    }
  }

  function badge(status) {
    return el('span', { class: 'badge ' + status, 'data-test': 'run-status' }, status);
  }

  function row(run) {
    const best = run.best_val_loss === null ? '–' : number(run.best_val_loss, 4) + ' @ ' + run.best_val_step;
    return el('tr', { 'data-test': 'run-row', 'data-run': run.name, style: 'cursor: pointer', onclick: () => open(run.name) },
      el('td', {}, run.name), el('td', {}, badge(run.status)), el('td', {}, run.steps), el('td', {}, best),
      el('td', {}, number(run.last_loss, 4)), el('td', {}, run.checkpoints.length),
      el('td', { class: 'muted' }, new Date(run.modified).toLocaleString()));
  }

  // --- starting a run ---

  async function loadConfigs() {
    try {
      const { configs } = await api('/api/configs');
      configSelect.replaceChildren(el('option', { value: '' }, '(upload)'), ...configs.map(c => el('option', { value: c }, c)));
      if (configs.includes('demo.yaml')) configSelect.value = 'demo.yaml';
    } catch (e) {
      toast(e.message);
    }
  }

  async function startRun(event) {
    event.preventDefault();
    const form = new FormData();
    if (upload.files.length > 0) form.append('file', upload.files[0]);
    else if (configSelect.value) form.append('config', configSelect.value);
    if (nameInput.value.trim()) form.append('name', nameInput.value.trim());
    if (setLines.value.trim()) form.append('set', setLines.value);
    startButton.disabled = true;
    try {
      const started = await api('/api/runs', { body: form });
      toast('Started ' + started.name + ' (process ' + started.pid + ')', false);
      upload.value = '';
      await refresh();
      open(started.name);
    } catch (e) {
      toast(e.message);
    } finally {
      startButton.disabled = false;
    }
  }

  // --- one run's details ---

  async function open(name) {
    if (stream) stream.close();
    clearInterval(details.timer);
    selected = name;
    let info;
    try {
      info = await api('/api/runs/' + encodeURIComponent(name));
    } catch (e) {
      toast(e.message);
      return;
    }
    if (selected !== name) return;
    const canvas = el('canvas', { id: 'run-chart', 'data-test': 'run-chart', 'data-steps': 0, 'data-evals': 0 });
    const status = el('span', { id: 'run-detail-status' });
    const stop = el('button', { id: 'run-stop', 'data-test': 'run-stop', type: 'button', onclick: () => stopRun(name, stop) },
      'Stop (checkpoint and exit)');
    const parts = {
      status, stop,
      checkpoints: el('div', { id: 'run-checkpoints-box' }),
      summary: el('div', { id: 'run-summary-box' }),
      config: el('pre', { id: 'run-config' }),
      logTitle: el('h4', {}, 'Studio log'),
      log: el('pre', { id: 'run-log' }),
    };
    details.replaceChildren(
      el('div', { class: 'row' }, el('h3', { id: 'run-detail-name' }, name), status, stop),
      el('p', { class: 'muted' }, 'Train loss (line) and validation loss (points and line), by optimizer step.'),
      canvas,
      el('h4', {}, 'Checkpoints'), parts.checkpoints,
      el('h4', {}, 'Summary'), parts.summary,
      el('h4', {}, 'Config'), parts.config,
      parts.logTitle, parts.log);
    details.hidden = false;
    fill(name, info, parts);
    chart.steps = info.history.steps;
    chart.evals = info.history.evals;
    draw(canvas);
    follow(name, canvas, parts);
    // While it trains, the folder gains its config, checkpoints and log lines: look again now and then.
    details.timer = setInterval(() => {
      if (selected === name && !parts.stop.hidden && !document.hidden) reload(name, parts);
    }, REFRESH_MS * 2);
  }

  // Everything but the chart, which the event stream keeps up to date.
  function fill(name, info, parts) {
    parts.status.replaceChildren(badge(info.run.status));
    parts.stop.hidden = info.run.status !== 'running';
    parts.checkpoints.replaceChildren(checkpoints(info.run.checkpoints));
    parts.summary.replaceChildren(info.summary ? summary(info.summary) : el('p', { class: 'muted' }, 'No summary.json yet.'));
    parts.config.textContent = info.config || '(no config.yaml yet)';
    parts.logTitle.hidden = !info.has_log;
    parts.log.hidden = !info.has_log;
    if (info.has_log) showLog(name, parts.log);
  }

  async function reload(name, parts) {
    try {
      const info = await api('/api/runs/' + encodeURIComponent(name));
      if (selected === name) fill(name, info, parts);
    } catch (e) {
      toast(e.message);
    }
  }

  function follow(name, canvas, parts) {
    stream = Studio.events('/api/runs/' + encodeURIComponent(name) + '/metrics', {
      history: h => { chart.steps = h.steps; chart.evals = h.evals; redraw(canvas); },
      step: p => { chart.steps.push(p); redraw(canvas); },
      eval: p => { chart.evals.push(p); redraw(canvas); },
      start: s => {
        chart.steps = chart.steps.filter(p => p.step <= s.from_step);
        chart.evals = chart.evals.filter(p => p.step <= s.from_step);
        redraw(canvas);
      },
      status: s => {
        parts.status.replaceChildren(badge(s.status));
        parts.stop.hidden = s.status !== 'running';
        reload(name, parts);
        refresh();
      },
    });
  }

  async function stopRun(name, button) {
    button.disabled = true;
    try {
      const stopped = await api('/api/runs/' + encodeURIComponent(name) + '/stop', { method: 'POST' });
      toast('Sent SIGTERM to process ' + stopped.pid + ': it checkpoints and exits', false);
    } catch (e) {
      toast(e.message);
    } finally {
      button.disabled = false;
    }
  }

  async function showLog(name, pre) {
    try {
      const { lines } = await api('/api/runs/' + encodeURIComponent(name) + '/log');
      pre.textContent = lines.join('\n');
      pre.scrollTop = pre.scrollHeight;
    } catch (e) {
      pre.textContent = e.message;
    }
  }

  function checkpoints(list) {
    if (list.length === 0) return el('p', { class: 'muted' }, 'No checkpoint yet.');
    return el('table', { id: 'run-checkpoints' },
      el('thead', {}, el('tr', {}, el('th', {}, 'checkpoint'), el('th', {}, 'step'), el('th', {}, ''))),
      el('tbody', {}, list.map(c => el('tr', { 'data-test': 'checkpoint-row' },
        el('td', {}, c.name), el('td', {}, c.step),
        el('td', {}, [c.latest ? 'latest' : null, c.best ? 'best' : null].filter(Boolean).join(', '))))));
  }

  function summary(s) {
    const rows = [['exit reason', s.exit_reason], ['steps', s.steps], ['epochs', s.epochs],
      ['best valid loss', s.best_val_loss === null ? '–' : number(s.best_val_loss, 4) + ' @ step ' + s.best_val_step],
      ['final loss', number(s.final_loss, 4)], ['wall time', number(s.wall_s, 1) + ' s'], ['segments', s.segments],
      ['tokens/s', number(s.tokens_per_s, 0)], ['skipped steps', s.skipped_steps]];
    return el('table', { id: 'run-summary' }, el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))));
  }

  // --- the chart, drawn by hand ---

  let pending = false;
  function redraw(canvas) {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(canvas); });
  }

  function draw(canvas) {
    const steps = chart.steps.filter(p => p.loss !== null);
    const evals = chart.evals.filter(p => p.loss !== null);
    canvas.dataset.steps = chart.steps.length;
    canvas.dataset.evals = chart.evals.length;
    canvas.dataset.lastStep = chart.steps.length ? chart.steps[chart.steps.length - 1].step : 0;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 800;
    const height = canvas.clientHeight || 260;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    const all = steps.concat(evals);
    if (all.length === 0) {
      g.fillStyle = '#6b7385';
      g.fillText('No steps yet.', 12, 20);
      return;
    }
    const box = { left: 56, right: width - 12, top: 24, bottom: height - 36 };
    const xs = ticks(Math.min(...all.map(p => p.step)), Math.max(...all.map(p => p.step)), 8);
    const ys = ticks(Math.min(...all.map(p => p.loss)), Math.max(...all.map(p => p.loss)), 6);
    const x = s => box.left + (s - xs.min) / (xs.max - xs.min) * (box.right - box.left);
    const y = l => box.bottom - (l - ys.min) / (ys.max - ys.min) * (box.bottom - box.top);

    g.strokeStyle = '#d9dde5';
    g.fillStyle = '#6b7385';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const v of ys.values) {
      g.beginPath(); g.moveTo(box.left, y(v)); g.lineTo(box.right, y(v)); g.stroke();
      g.fillText(label(v, ys.step), box.left - 6, y(v));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const v of xs.values) {
      g.beginPath(); g.moveTo(x(v), box.bottom); g.lineTo(x(v), box.bottom + 4); g.stroke();
      g.fillText(label(v, xs.step), x(v), box.bottom + 7);
    }
    g.fillText('step', (box.left + box.right) / 2, box.bottom + 21);
    g.textAlign = 'left';
    g.fillText('loss', 8, 4);
    g.strokeStyle = '#1d2330';
    g.beginPath(); g.moveTo(box.left, box.top); g.lineTo(box.left, box.bottom); g.lineTo(box.right, box.bottom); g.stroke();

    g.strokeStyle = '#3a5bd9';
    g.lineWidth = 1.5;
    g.beginPath();
    steps.forEach((p, i) => (i === 0 ? g.moveTo(x(p.step), y(p.loss)) : g.lineTo(x(p.step), y(p.loss))));
    g.stroke();
    g.strokeStyle = '#d9822b';
    g.fillStyle = '#d9822b';
    g.beginPath();
    evals.forEach((p, i) => (i === 0 ? g.moveTo(x(p.step), y(p.loss)) : g.lineTo(x(p.step), y(p.loss))));
    g.stroke();
    for (const p of evals) {
      g.beginPath(); g.arc(x(p.step), y(p.loss), 3, 0, 2 * Math.PI); g.fill();
    }
    legend(g, box, [['train loss', '#3a5bd9'], ['validation loss', '#d9822b']]);
  }

  function legend(g, box, entries) {
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    let left = box.right - 200;
    for (const [text, colour] of entries) {
      g.fillStyle = colour;
      g.fillRect(left, box.top - 14, 14, 3);
      g.fillStyle = '#1d2330';
      g.fillText(text, left + 18, box.top - 12);
      left += 100;
    }
  }

  // Round tick values (1, 2, 5 × 10^k) covering [lo, hi].
  function ticks(lo, hi, count) {
    if (lo === hi) { lo -= 1; hi += 1; }
    const raw = (hi - lo) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw);
    const min = Math.floor(lo / step) * step;
    const max = Math.ceil(hi / step) * step;
    const values = [];
    for (let v = min; v <= max + step / 2; v += step) values.push(v);
    return { min, max, step, values };
  }

  function label(value, step) {
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    return value.toFixed(digits);
  }

  // --- start ---

  loadConfigs();
  refresh();
  setInterval(() => {
    if (!document.hidden && section.classList.contains('active')) refresh();
  }, REFRESH_MS);
});
