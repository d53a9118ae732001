// Experiments: experiment folders (experiments/) and sweep folders (sweeps/) as galleries: players per sample, the
// statistics per configuration, plots, and links to the reports.
Studio.tab('experiments', section => {
  const { el, api, toast, number } = Studio;

  const tableBody = el('tbody', { id: 'experiments-rows' });
  const listCard = el('div', { class: 'card' },
    el('div', { class: 'row' }, el('h3', {}, 'Experiments and sweeps'),
      el('button', { id: 'experiments-refresh', class: 'secondary', type: 'button', onclick: refresh }, 'Refresh')),
    el('table', { id: 'experiments-table', 'data-test': 'experiments-table' },
      el('thead', {}, el('tr', {}, ['name', 'kind', 'state', 'samples / runs', 'modified'].map(h => el('th', {}, h)))),
      tableBody),
    el('p', { id: 'experiments-empty', class: 'muted', hidden: true },
      'No experiment or sweep folders yet: run `retune experiment FILE.yaml` or `retune sweep FILE.yaml`.'));
  const gallery = el('div', { id: 'experiment-gallery', 'data-test': 'experiment-gallery', hidden: true });
  section.append(listCard, gallery);

  async function refresh() {
    try {
      const { experiments } = await api('/api/experiments');
      tableBody.replaceChildren(...experiments.map(e => el('tr', {
        'data-test': 'experiment-row', 'data-kind': e.kind, 'data-name': e.name, style: 'cursor: pointer',
        onclick: () => open(e.kind, e.name),
      }, el('td', {}, e.name), el('td', {}, e.kind),
        el('td', {}, el('span', { class: 'badge ' + (e.finished ? 'finished' : 'running') }, e.finished ? 'finished' : 'unfinished')),
        el('td', {}, e.items), el('td', { class: 'muted' }, new Date(e.modified).toLocaleString()))));
      document.getElementById('experiments-empty').hidden = experiments.length > 0;
    } catch (e) {
      toast(e.message);
    }
  }

  async function open(kind, name) {
    let g;
    try {
      g = await api('/api/experiments/' + kind + '/' + encodeURIComponent(name));
    } catch (e) {
      toast(e.message);
      return;
    }
    const header = el('div', { class: 'card' },
      el('div', { class: 'row' }, el('h3', { id: 'experiment-name' }, kind + ' ' + name),
        el('span', { class: 'badge ' + (g.finished ? 'finished' : 'running') }, g.finished ? 'finished' : 'unfinished'),
        g.reports.html ? el('a', { id: 'experiment-report-html', href: g.reports.html, target: '_blank', rel: 'noopener' }, 'report.html') : null,
        g.reports.md ? el('a', { id: 'experiment-report-md', href: g.reports.md, target: '_blank', rel: 'noopener' }, 'report.md') : null));
    const parts = kind === 'sweep' ? sweep(g) : experiment(g);
    gallery.replaceChildren(header, ...parts, plots(g.plots));
    gallery.hidden = false;
    gallery.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  // --- an experiment ---

  function experiment(g) {
    const metrics = g.metrics || metricNames(g.configurations);
    const summary = el('div', { class: 'card' }, el('h4', {}, 'Measures per configuration'),
      el('p', { class: 'muted' }, 'Mean ± sample std and the 95% Student-t interval of the mean.'),
      g.finished ? el('div', { style: 'overflow-x: auto' }, summaryTable(g.configurations, metrics))
        : el('p', { class: 'muted' }, 'The statistics come when every sample is done.'));
    const cards = g.configurations.map(c => el('div', { class: 'card', 'data-test': 'experiment-configuration' },
      el('h4', {}, c.source + ' · ' + c.parameter_set + ' · ' + c.prompt_set),
      el('div', { class: 'grid' }, c.samples.map(s => sampleCard(s, metrics)))));
    return [summary, ...cards];
  }

  function metricNames(configurations) {
    for (const c of configurations) {
      for (const s of c.samples) {
        if (s.metrics) return Object.keys(s.metrics);
      }
    }
    return [];
  }

  function summaryTable(configurations, metrics) {
    return el('table', { id: 'experiment-summary' },
      el('thead', {}, el('tr', {}, el('th', {}, 'source'), el('th', {}, 'parameter set'), el('th', {}, 'prompt set'),
        metrics.map(m => el('th', {}, m)))),
      el('tbody', {}, configurations.map(c => el('tr', {},
        el('td', {}, c.source), el('td', {}, c.parameter_set), el('td', {}, c.prompt_set),
        metrics.map(m => el('td', {}, statistic(c.statistics && c.statistics[m])))))));
  }

  function statistic(s) {
    if (!s || s.mean === null) return '–';
    let text = number(s.mean, 3);
    if (s.std !== null) text += ' ± ' + number(s.std, 3);
    if (s.low !== null) text += ' [' + number(s.low, 3) + ', ' + number(s.high, 3) + ']';
    return text + ' (n=' + s.n + ')';
  }

  function sampleCard(s, metrics) {
    return el('div', { class: 'card', 'data-test': 'experiment-sample', 'data-sample': s.id },
      el('div', {}, el('strong', {}, s.prompt)),
      el('div', { class: 'muted' }, 'seed ' + s.seed + (s.seconds !== null ? ' · ' + number(s.seconds, 1) + ' s' : '') + ' · ' + s.id),
      s.audio ? el('audio', { controls: true, preload: 'none', src: s.audio, 'data-test': 'sample-audio' })
        : el('p', { class: 'muted' }, 'audio file missing'),
      el('div', { class: 'muted' }, metrics.filter(m => s.metrics && m in s.metrics)
        .map(m => m + ' ' + number(s.metrics[m], 3)).join(' · ')));
  }

  // --- a sweep ---

  function sweep(g) {
    const runs = el('div', { class: 'card' }, el('h4', {}, 'Runs'),
      el('table', { id: 'sweep-runs' },
        el('thead', {}, el('tr', {}, ['run', 'status', 'steps', 'best valid loss', 'last loss', 'plot'].map(h => el('th', {}, h)))),
        el('tbody', {}, g.runs.map(r => el('tr', { 'data-test': 'sweep-run' },
          el('td', {}, r.run.name), el('td', {}, el('span', { class: 'badge ' + r.run.status }, r.run.status)),
          el('td', {}, r.run.steps),
          el('td', {}, r.run.best_val_loss === null ? '–' : number(r.run.best_val_loss, 4) + ' @ ' + r.run.best_val_step),
          el('td', {}, number(r.run.last_loss, 4)),
          el('td', {}, r.plot ? el('a', { href: r.plot, target: '_blank', rel: 'noopener' }, 'loss.png') : '–'))))));
    const parts = [runs];
    if (g.variants) {
      parts.push(el('div', { class: 'card' }, el('h4', {}, 'Variants (mean ± std over seeds)'),
        el('table', { id: 'sweep-variants' },
          el('thead', {}, el('tr', {}, ['variant', 'runs', 'best valid loss', 'step of best', 'wall s', 'tokens/s'].map(h => el('th', {}, h)))),
          el('tbody', {}, g.variants.map(v => el('tr', {},
            el('td', {}, v.variant), el('td', {}, v.runs), el('td', {}, stat(v.best_val_loss, 4)),
            el('td', {}, stat(v.best_val_step, 0)), el('td', {}, stat(v.wall_seconds, 1)), el('td', {}, stat(v.tokens_per_second, 0))))))));
    }
    return parts;
  }

  function stat(s, digits) {
    if (!s || s.mean === null || s.mean === 'NaN') return '–';
    return number(s.mean, digits) + (s.std === null || s.std === 'NaN' ? '' : ' ± ' + number(s.std, digits));
  }

  // --- plots ---

  function plots(list) {
    if (!list || list.length === 0) return el('div');
    return el('div', { class: 'card' }, el('h4', {}, 'Plots'),
      el('div', { class: 'grid' }, list.map(p => el('figure', { 'data-test': 'experiment-plot' },
        el('a', { href: p.url, target: '_blank', rel: 'noopener' }, el('img', { src: p.url, alt: p.name, style: 'max-width: 100%' })),
        el('figcaption', { class: 'muted' }, p.name)))));
  }

  refresh();
});
