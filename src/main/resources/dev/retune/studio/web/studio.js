// The page's shared parts: tabs, calls to the studio's JSON API, Server-Sent Events, and a small element builder.
// Each tab's script registers itself with Studio.tab(name, init); init runs once, the first time its tab is shown.
const Studio = (() => {
  const tabs = {};
  const started = new Set();

  function tab(name, init) {
    tabs[name] = init;
  }

  function show(name) {
    if (!tabs[name]) name = 'generate';
    document.querySelectorAll('.tab').forEach(s => s.classList.toggle('active', s.id === 'tab-' + name));
    document.querySelectorAll('#tabs a').forEach(a => a.classList.toggle('active', a.dataset.tab === name));
    if (!started.has(name)) {
      started.add(name);
      tabs[name](document.getElementById('tab-' + name));
    }
  }

  // A JSON call: resolves to the parsed body, rejects with the server's error message.
  async function api(path, options = {}) {
    const init = { method: options.method || (options.body === undefined ? 'GET' : 'POST'), headers: {} };
    if (options.body instanceof FormData) {
      init.body = options.body;
    } else if (options.body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(body && body.error ? body.error : response.status + ' ' + response.statusText);
    return body;
  }

  // Server-Sent Events: handlers maps event names to functions of the parsed data. Returns the EventSource.
  function events(path, handlers) {
    const source = new EventSource(path);
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, e => handle(JSON.parse(e.data)));
    }
    return source;
  }

  // el('div', {class: 'card'}, 'text', child, ...): attributes starting with "on" become listeners.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key === 'value') node.value = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(message, isError = true) {
    const box = document.getElementById('toast');
    box.textContent = message;
    box.style.background = isError ? 'var(--bad)' : 'var(--fg)';
    box.classList.add('visible');
    clearTimeout(box.hideTimer);
    box.hideTimer = setTimeout(() => box.classList.remove('visible'), 6000);
  }

  function number(value, digits = 3) {
    return value === null || value === undefined || Number.isNaN(value) ? '–' : Number(value).toFixed(digits);
  }

  async function start() {
    window.addEventListener('hashchange', () => show(location.hash.slice(1)));
    show(location.hash.slice(1) || 'generate');
    try {
      const info = await api('/api/info');
      document.getElementById('root-info').textContent = info.root + ' · ' + info.device;
    } catch (e) {
      toast(e.message);
    }
  }

  return { tab, show, api, events, el, toast, number, start };
})();
