// Compare tab: one prompt and seed through 2–4 sources, side by side. Blind, the clips are only "A", "B", ...: rate each
// 1–5 and/or prefer one, submit, and the sources are revealed. The table below sums up a ratings set (MOS with 95% intervals).
Studio.tab('compare', section => {
  const { el, api, toast, number } = Studio;
  let current = null;          // the comparison shown
  let scores = {};             // label → 1..5 for the comparison shown

  const sourceList = el('datalist', { id: 'cmp-source-list' });
  const sources = [0, 1, 2, 3].map(i => el('input', { id: 'cmp-source-' + i, list: 'cmp-source-list', size: 28,
    placeholder: i < 2 ? 'source' : 'source (optional)' }));
  const prompt = el('input', { id: 'cmp-prompt', type: 'text', size: 50, placeholder: 'Prompt' });
  const seed = el('input', { id: 'cmp-seed', type: 'number', min: 0, step: 1, placeholder: 'random' });
  const duration = el('input', { id: 'cmp-duration', type: 'number', value: 5, min: 0.1, max: 600, step: 0.1 });
  const blind = el('input', { id: 'cmp-blind', type: 'checkbox', checked: true });
  const submit = el('button', { id: 'cmp-submit', onclick: compare }, 'Compare');
  const status = el('p', { id: 'cmp-status', class: 'muted' }, 'Pick 2 to 4 sources and a prompt, then Compare.');
  const clips = el('div', { id: 'cmp-clips', class: 'grid' });
  const rateBar = el('div', { class: 'row' });
  const set = el('input', { id: 'cmp-set', type: 'text', value: 'studio', size: 16 });
  const results = el('div', { id: 'cmp-results' });
  const history = el('select', { id: 'cmp-history', onchange: () => history.value && open(history.value) });

  section.append(
    sourceList,
    el('div', { class: 'card' },
      el('div', { class: 'row' }, sources.map((input, i) => el('label', {}, 'Source ' + (i + 1), input))),
      el('div', { class: 'row', style: 'margin-top:8px' }, el('label', {}, 'Prompt', prompt), el('label', {}, 'Seed', seed),
        el('label', {}, 'Duration (s)', duration), el('label', {}, el('span', {}, 'Blind'), blind), submit),
      el('div', { class: 'row', style: 'margin-top:8px' }, el('label', {}, 'Earlier comparisons', history))),
    el('div', { class: 'card' }, status, clips, rateBar),
    el('div', { class: 'card' }, el('div', { class: 'row' }, el('h3', { style: 'margin:0' }, 'Ratings'),
      el('label', {}, 'Set', set), el('button', { class: 'secondary', onclick: loadResults }, 'Show')), results));

  loadSources();
  loadHistory();
  loadResults();
  Studio.events('/api/events', {
    job: job => { if (current && job.id === current.id) refresh(job); },
  });

  async function loadSources() {
    try {
      const list = (await api('/api/sources')).sources;
      sourceList.replaceChildren(...list.map(s => el('option', { value: s.spec }, s.label)));
    } catch (e) {
      toast(e.message);
    }
  }

  async function loadHistory() {
    try {
      const { comparisons } = await api('/api/comparisons');
      history.replaceChildren(el('option', { value: '' }, comparisons.length ? 'open one…' : 'none yet'),
        ...comparisons.map(c => el('option', { value: c.id }, c.created.slice(0, 19).replace('T', ' ') + ' · ' + c.prompt
          + (c.blind ? ' (blind)' : ''))));
      if (!current && comparisons.length) show(comparisons[0]);
    } catch (e) {
      toast(e.message);
    }
  }

  async function compare() {
    const chosen = sources.map(s => s.value.trim()).filter(s => s);
    const body = { prompt: prompt.value.trim(), seed: seed.value.trim() === '' ? null : Number(seed.value),
      duration: Number(duration.value), sources: chosen, blind: blind.checked };
    submit.disabled = true;
    try {
      show(await api('/api/comparisons', { body }));
      loadHistory();
    } catch (e) {
      toast(e.message);
    } finally {
      submit.disabled = false;
    }
  }

  async function open(id) {
    try {
      show(await api('/api/comparisons/' + encodeURIComponent(id)));
    } catch (e) {
      toast(e.message);
    }
  }

  // A change of the comparison's job: progress while it runs, the clips once done.
  async function refresh(job) {
    if (job.state === 'running' || job.state === 'queued') {
      status.textContent = job.state + ': ' + job.done + ' of ' + job.total + ' clips';
    } else {
      open(job.id);
    }
  }

  function show(comparison) {
    if (!current || current.id !== comparison.id) scores = {};
    current = comparison;
    const hidden = comparison.blind && !comparison.revealed;
    status.replaceChildren(...[el('strong', {}, comparison.prompt), ' · seed ', el('code', { 'data-test': 'cmp-seed' }, comparison.seed),
      ' · ', el('span', { class: 'badge ' + (comparison.state === 'done' ? 'finished' : comparison.state), 'data-test': 'cmp-state' }, comparison.state),
      ' ', comparison.blind ? el('span', { class: 'badge' }, comparison.revealed ? 'blind, revealed' : 'blind') : null].filter(node => node));
    const ready = comparison.clips.every(c => c.url);
    clips.replaceChildren(...comparison.clips.map(clip => el('div', { class: 'card', 'data-test': 'clip', 'data-label': clip.label },
      el('h3', { style: 'margin:0 0 6px' }, clip.label),
      clip.source ? el('p', { 'data-test': 'clip-source' }, clip.source) : null,
      clip.url ? el('audio', { controls: true, preload: 'metadata', src: clip.url }) : el('p', { class: 'muted' }, 'generating…'),
      el('div', { class: 'row' }, [1, 2, 3, 4, 5].map(score => el('button', {
        class: scores[clip.label] === score ? '' : 'secondary', 'data-test': 'rate', 'data-score': score, disabled: !ready,
        onclick: event => choose(clip.label, score, event.target) }, score))),
      el('label', { style: 'flex-direction:row; gap:6px; margin-top:6px' },
        el('input', { type: 'radio', name: 'cmp-prefer', value: clip.label, 'data-test': 'prefer', disabled: !ready }), 'prefer'))));
    rateBar.replaceChildren(el('button', { id: 'cmp-rate-submit', disabled: !ready, onclick: rate }, hidden ? 'Submit and reveal' : 'Submit rating'));
  }

  // Marks the chosen score among the clip's buttons, leaving the players as they are.
  function choose(label, score, button) {
    scores[label] = score;
    button.parentNode.querySelectorAll('button').forEach(b => b.classList.toggle('secondary', Number(b.dataset.score) !== score));
  }

  async function rate() {
    const preferred = clips.querySelector('input[name=cmp-prefer]:checked');
    const body = { ratings: scores, preferred: preferred ? preferred.value : null, set: set.value.trim() || null };
    try {
      const answer = await api('/api/comparisons/' + current.id + '/ratings', { body });
      scores = {};
      show(answer.comparison);
      toast('Rating saved to ratings/' + (body.set || 'studio') + '.jsonl', false);
      loadResults();
    } catch (e) {
      toast(e.message);
    }
  }

  async function loadResults() {
    try {
      const summary = await api('/api/ratings?set=' + encodeURIComponent(set.value.trim() || 'studio'));
      const interval = s => s.low === null ? '–' : number(s.low, 2) + ' – ' + number(s.high, 2);
      results.replaceChildren(el('p', { class: 'muted' }, summary.lines + ' rating(s) in ratings/' + summary.set + '.jsonl'),
        el('table', { id: 'cmp-results-table' },
          el('tr', {}, ['Source', 'n', 'Mean', '95% interval', 'Preferred'].map(h => el('th', {}, h))),
          summary.sources.map(s => el('tr', { 'data-test': 'ratings-row', 'data-source': s.source },
            el('td', {}, s.source), el('td', {}, s.n), el('td', {}, number(s.mean, 2)), el('td', {}, interval(s)),
            el('td', {}, s.preferred)))));
    } catch (e) {
      toast(e.message);
    }
  }
});
