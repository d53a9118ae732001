// Generate tab: pick a source, write prompts, queue a job; follow the queue live over /api/events; play, download and
// measure each clip as it lands; earlier clips below (the gallery, read from studio/generations).
Studio.tab('generate', section => {
  const { el, api, toast, number } = Studio;
  const jobCards = new Map();   // job id → its card in the queue
  const shown = new Set();      // the file URLs of the clips already on the page
  let galleryNext = null;
  const BADGES = { queued: '', running: 'running', done: 'finished', cancelled: 'stopped', failed: 'failed' }; // studio.css

  const sourceSelect = el('select', { id: 'gen-source' });
  const sourcePath = el('input', { id: 'gen-source-path', type: 'text', size: 36, placeholder: 'or a path inside the root: models/x, runs/y@best' });
  const prompts = el('textarea', { id: 'gen-prompts', rows: 4, placeholder: 'One prompt per line' });
  const field = (id, label, attributes) => {
    const input = el('input', Object.assign({ id, type: 'number' }, attributes));
    return [input, el('label', {}, label, input)];
  };
  const [duration, durationLabel] = field('gen-duration', 'Duration (s)', { value: 5, min: 0.1, max: 600, step: 0.1 });
  const [topK, topKLabel] = field('gen-top-k', 'Top-k', { value: 250, min: 0, step: 1 });
  const [topP, topPLabel] = field('gen-top-p', 'Top-p', { value: 0, min: 0, max: 1, step: 0.05 });
  const [temperature, temperatureLabel] = field('gen-temperature', 'Temperature', { value: 1, min: 0, step: 0.05 });
  const [cfg, cfgLabel] = field('gen-cfg', 'CFG', { value: 3, min: 0.1, step: 0.1 });
  const [seed, seedLabel] = field('gen-seed', 'Seed (blank: random)', { min: 0, step: 1, placeholder: 'random' });
  const [variations, variationsLabel] = field('gen-variations', 'Variations', { value: 1, min: 1, max: 100, step: 1 });
  const submit = el('button', { id: 'gen-submit', onclick: generate }, 'Generate');
  const queue = el('div', { id: 'gen-queue' });
  const results = el('div', { id: 'gen-results', class: 'grid' });
  const gallery = el('div', { id: 'gen-gallery', class: 'grid' });
  const more = el('button', { id: 'gen-gallery-more', class: 'secondary', onclick: loadGallery, hidden: true }, 'Older');

  section.append(
    el('div', { class: 'card' },
      el('div', { class: 'row' }, el('label', {}, 'Source', sourceSelect), el('label', {}, 'Typed source', sourcePath),
        el('button', { class: 'secondary', onclick: loadSources }, 'Refresh')),
      el('label', { style: 'margin-top:8px' }, 'Prompts', prompts),
      el('div', { class: 'row', style: 'margin-top:8px' }, durationLabel, topKLabel, topPLabel, temperatureLabel, cfgLabel,
        seedLabel, variationsLabel, submit)),
    el('h3', {}, 'Queue'), queue,
    el('h3', {}, 'Results'), results,
    el('h3', {}, 'Earlier generations'), gallery, more);

  loadSources();
  loadGallery();
  Studio.events('/api/events', {
    jobs: data => data.jobs.slice().reverse().forEach(showJob),
    job: showJob,
    item: data => showResult(data.job, data.item, results, true),
  });

  async function loadSources() {
    try {
      const { sources } = await api('/api/sources');
      const chosen = sourceSelect.value;
      sourceSelect.replaceChildren(...sources.map(s => el('option', { value: s.spec }, s.label + ' (' + s.kind + ')')));
      if (sources.some(s => s.spec === chosen)) sourceSelect.value = chosen;
      if (!sources.length) sourceSelect.append(el('option', { value: '' }, 'no models or runs under the root'));
    } catch (e) {
      toast(e.message);
    }
  }

  function numberOrNull(input) {
    return input.value.trim() === '' ? null : Number(input.value);
  }

  async function generate() {
    const body = {
      source: sourcePath.value.trim() || sourceSelect.value,
      prompts: prompts.value.split('\n').map(p => p.trim()).filter(p => p),
      duration: numberOrNull(duration), top_k: numberOrNull(topK), top_p: numberOrNull(topP),
      temperature: numberOrNull(temperature), guidance_scale: numberOrNull(cfg),
      seed: numberOrNull(seed), variations: numberOrNull(variations),
    };
    submit.disabled = true;
    try {
      showJob(await api('/api/generate', { body }));
    } catch (e) {
      toast(e.message);
    } finally {
      submit.disabled = false;
    }
  }

  // A job's card in the queue, made or brought up to date; comparisons' jobs show too (they share the queue).
  function showJob(job) {
    let card = jobCards.get(job.id);
    if (!card) {
      card = el('div', { class: 'card', 'data-test': 'job', 'data-job': job.id });
      jobCards.set(job.id, card);
      queue.prepend(card);
    }
    const active = job.state === 'queued' || job.state === 'running';
    const cancel = el('button', { class: 'secondary', 'data-test': 'job-cancel', disabled: !active || job.cancel_requested,
      onclick: () => api('/api/jobs/' + job.id + '/cancel', { method: 'POST' }).then(showJob, e => toast(e.message)) }, 'Cancel');
    const title = job.kind === 'compare' ? 'Comparison' : job.items.length + ' clip(s) · ' + (job.items[0] ? job.items[0].source : '');
    card.replaceChildren(...[
      el('div', { class: 'row' },
        el('span', { class: 'badge ' + BADGES[job.state], 'data-test': 'job-state' }, job.state + (job.cancel_requested && active ? ' (stopping)' : '')),
        el('strong', {}, title), el('span', { class: 'muted' }, job.done + ' / ' + job.total), active ? cancel : null),
      el('progress', { max: job.total, value: job.done, 'data-test': 'job-progress' }),
      job.error ? el('p', { class: 'error', 'data-test': 'job-error' }, job.error) : null].filter(node => node));
    if (job.kind === 'generate') {
      job.items.filter(item => item.url).forEach(item => showResult(job.id, item, results, true));
    }
  }

  // A clip's card: player, download, seed (reusable), parameters and metrics.
  function showResult(jobId, item, container, first) {
    if (!item.url || shown.has(item.url)) return;
    shown.add(item.url);
    const card = el('div', { class: 'card', 'data-test': 'result', 'data-seed': item.seed, 'data-job': jobId },
      el('div', { class: 'row' }, el('strong', { 'data-test': 'result-prompt' }, item.prompt)),
      el('audio', { controls: true, preload: 'metadata', src: item.url }),
      el('div', { class: 'row' },
        el('span', {}, 'seed ', el('code', { 'data-test': 'seed' }, item.seed)),
        el('button', { class: 'secondary', 'data-test': 'reuse-seed', onclick: () => reuse(item) }, 'Reuse seed'),
        el('a', { href: item.download_url, 'data-test': 'download' }, 'Download')),
      parameters(item.parameters), metrics(item.metrics));
    if (first) container.prepend(card); else container.append(card);
  }

  function reuse(item) {
    seed.value = item.seed;
    variations.value = 1;
    if (item.parameters && item.parameters.duration) duration.value = item.parameters.duration;
    toast('Seed ' + item.seed + ' set: generate the same prompt with the same settings to hear this clip again.', false);
  }

  function parameters(p) {
    if (!p) return null;
    const keys = ['source', 'checkpoint_step', 'duration', 'top_k', 'top_p', 'temperature', 'cfg', 'seconds'];
    return el('p', { class: 'muted', 'data-test': 'parameters' },
      keys.filter(k => p[k] !== undefined && p[k] !== null).map(k => k + ' ' + p[k]).join(' · '));
  }

  function metrics(m) {
    if (!m) return el('p', { class: 'muted' }, 'no metrics');
    const rows = [
      ['Loudness (LUFS)', number(m.lufs, 1)], ['True peak (dBTP)', number(m.true_peak_dbtp, 1)],
      ['Clipping', number(m.clipping_ratio, 4)], ['Silence', number(m.silence_ratio, 3)],
      ['Spectral centroid (Hz)', number(m.spectral_centroid_hz, 0)], ['Rolloff (Hz)', number(m.spectral_rolloff_hz, 0)],
      ['Flatness', number(m.spectral_flatness, 3)], ['Spectral entropy', number(m.spectral_entropy, 3)],
      ['Tempo (BPM)', number(m.tempo_bpm, 1)], ['Key', m.key ? m.key + ' (' + number(m.key_strength, 2) + ')' : '–'],
    ];
    return el('table', { 'data-test': 'metrics' }, rows.map(([name, value]) => el('tr', {}, el('th', {}, name), el('td', {}, value))));
  }

  async function loadGallery() {
    try {
      const page = await api('/api/generations?limit=12' + (galleryNext ? '&before=' + encodeURIComponent(galleryNext) : ''));
      page.items.forEach(item => showResult(item.job, item, gallery, false));
      galleryNext = page.next;
      more.hidden = !page.next;
      if (!gallery.children.length) gallery.append(el('p', { class: 'muted' }, 'Nothing generated yet.'));
    } catch (e) {
      toast(e.message);
    }
  }
});
