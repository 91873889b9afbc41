// The live page: reads /api/v1/containers every REFRESH_MS while the tab is visible,
// computes rates from successive counter readings (the server keeps no history), and
// draws the table. Every value from the engine is inserted as text (textContent), never as
// HTML: names, images and labels are chosen by whoever starts a container.
'use strict';
(() => {
  const REFRESH_MS = 5000;
  const MAX_BACKOFF_MS = 60000;
  const HISTORY = 120;

  const $ = (selector) => document.querySelector(selector);
  const table = $('#containers');
  const tbody = table.querySelector('tbody');
  const tableWrap = $('.scroll');
  const statusLine = $('#status');
  const banner = $('#unreachable');
  const bannerWhy = $('#unreachable-why');
  const filterBox = $('#filter');
  const summary = $('#summary');
  const diskAge = $('#disk-age');

  // Per container id: the last counter reading, the rates it gave, the sparklines' points.
  const seen = new Map();
  let latest = null;
  let sortKey = 'name';
  let sortDir = 1;
  let delay = REFRESH_MS;
  let timer = null;
  let busy = false;

  const NUMERIC = new Set(['uptime', 'restarts', 'cpu', 'memory', 'net', 'io', 'pids', 'disk']);

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (document.visibilityState === 'visible') timer = setTimeout(refresh, delay);
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
    else { clearTimeout(timer); timer = null; }
  });

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const answer = await fetch('/api/v1/containers', { cache: 'no-store' });
      if (!answer.ok) throw new Error('the exporter answered ' + answer.status);
      const data = await answer.json();
      if (data.engine_up) {
        absorb(data);
        showTable();
        render();
        delay = REFRESH_MS;
        statusLine.textContent = 'Updated ' + clock(data.collected_at) +
          ', every ' + REFRESH_MS / 1000 + ' s while this tab is visible.';
      } else {
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        await showUnreachable();
      }
    } catch (error) {
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      await showUnreachable(error);
    } finally {
      busy = false;
      schedule();
    }
  }

  // The engine's side of the story comes from /health; the table is hidden, not left stale.
  async function showUnreachable(error) {
    let why = error ? 'The exporter did not answer: ' + error.message + '.' : '';
    try {
      const answer = await fetch('/health', { cache: 'no-store' });
      const health = await answer.json();
      if (health.status !== 'healthy') why = health.error || 'The engine does not answer.';
      else if (!error) why = 'The last collection could not list containers.';
    } catch (_) {
      if (!why) why = 'The exporter does not answer.';
    }
    banner.hidden = false;
    bannerWhy.textContent = why;
    tableWrap.hidden = true;
    statusLine.textContent = 'Retrying in ' + Math.round(delay / 1000) + ' s.';
  }

  function showTable() {
    banner.hidden = true;
    tableWrap.hidden = false;
  }

  function absorb(data) {
    const now = data.collected_at;
    const ids = new Set();
    for (const c of data.containers) {
      ids.add(c.id);
      const m = c.metrics;
      const reading = {
        t: now,
        cpu: m.container_cpu_usage_seconds_total,
        rx: m.container_network_receive_bytes_total,
        tx: m.container_network_transmit_bytes_total,
        read: m.container_fs_reads_bytes_total,
        write: m.container_fs_writes_bytes_total,
      };
      let entry = seen.get(c.id);
      if (!entry) {
        entry = { last: null, rates: {}, cpu: [], mem: [] };
        seen.set(c.id, entry);
      }
      const last = entry.last;
      if (last && now > last.t) {
        const dt = now - last.t;
        const rate = (key) => {
          const a = last[key], b = reading[key];
          // A restarted container starts its counters again: no rate for that step.
          return a === undefined || b === undefined || b < a ? null : (b - a) / dt;
        };
        entry.rates = { cpu: rate('cpu'), rx: rate('rx'), tx: rate('tx'), read: rate('read'), write: rate('write') };
        push(entry.cpu, entry.rates.cpu);
      }
      if (!last || now > last.t) {
        push(entry.mem, memoryOf(m));
        entry.last = reading;
      }
    }
    for (const id of [...seen.keys()]) if (!ids.has(id)) seen.delete(id);
    latest = data;
    $('#version').textContent = data.exporter_version ? 'v' + data.exporter_version : '';
  }

  function push(points, value) {
    if (value === null || value === undefined) return;
    points.push(value);
    if (points.length > HISTORY) points.shift();
  }

  function memoryOf(m) {
    const ws = m.container_memory_working_set_bytes;
    return ws !== undefined ? ws : m.container_memory_usage_bytes;
  }

  // One row's values, as the columns sort them.
  function valuesOf(c) {
    const m = c.metrics;
    const entry = seen.get(c.id) || { rates: {} };
    const r = entry.rates;
    const started = m.container_start_time_seconds;
    const quota = m.container_spec_cpu_quota !== undefined && m.container_spec_cpu_period
      ? m.container_spec_cpu_quota / m.container_spec_cpu_period : null;
    const limit = m.container_spec_memory_limit_bytes > 0 ? m.container_spec_memory_limit_bytes : null;
    const sum = (a, b) => (a === null || a === undefined) && (b === null || b === undefined) ? null : (a || 0) + (b || 0);
    return {
      name: c.name, image: c.image, state: c.state, health: c.health,
      uptime: c.state === 'running' && started ? Math.max(0, latest.collected_at - started) : null,
      restarts: m.container_restarts_total ?? null,
      cpu: r.cpu === null || r.cpu === undefined ? null : r.cpu * 100,
      cpuOfQuota: quota && r.cpu !== null && r.cpu !== undefined ? r.cpu / quota * 100 : null,
      quota,
      memory: memoryOf(m) ?? null,
      limit,
      rx: r.rx ?? null, tx: r.tx ?? null, net: sum(r.rx, r.tx),
      read: r.read ?? null, write: r.write ?? null, io: sum(r.read, r.write),
      pids: m.container_threads ?? null,
      disk: m.container_fs_usage_bytes ?? null,
      cpuSeconds: m.container_cpu_usage_seconds_total,
    };
  }

  function render() {
    if (!latest) return;
    const needle = filterBox.value.trim().toLowerCase();
    const rows = latest.containers
      .filter((c) => !needle || c.name.toLowerCase().includes(needle) || c.image.toLowerCase().includes(needle))
      .map((c) => ({ c, v: valuesOf(c) }));
    rows.sort((a, b) => compare(a.v[sortKey], b.v[sortKey]) || compare(a.v.name, b.v.name, 1));
    const fragment = document.createDocumentFragment();
    for (const { c, v } of rows) fragment.appendChild(row(c, v));
    tbody.replaceChildren(fragment);
    const running = latest.containers.filter((c) => c.state === 'running').length;
    summary.textContent = rows.length + ' of ' + latest.containers.length + ' containers shown, ' + running + ' running';
    diskAge.textContent = latest.disk_usage_age_seconds === undefined
      ? 'not asked (DISK_USAGE_MAX_AGE=0, or no answer yet)'
      : 'as of ' + duration(latest.disk_usage_age_seconds) + ' ago';
  }

  // Missing values sort last, whatever the direction.
  function compare(a, b, direction = sortDir) {
    const missingA = a === null || a === undefined, missingB = b === null || b === undefined;
    if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
    if (typeof a === 'string') return direction * a.localeCompare(b);
    return direction * (a - b);
  }

  function row(c, v) {
    const tr = document.createElement('tr');
    tr.dataset.id = c.id;
    if (v.cpuSeconds !== undefined) tr.dataset.cpuSeconds = String(v.cpuSeconds);
    const identity = [c.compose_project, c.compose_service].filter(Boolean).join(' / ');
    tr.append(
      cell('name', c.name, null, identity || null, 'Name'),
      cell('image', c.image, null, null, 'Image'),
      cell('state state-' + c.state, c.state, null, null, 'State'),
      cell('health health-' + c.health, c.health === 'none' ? '—' : c.health, null, null, 'Health'),
      cell('num', duration(v.uptime), v.uptime, null, 'Uptime'),
      cell('num', v.restarts ?? '—', v.restarts, null, 'Restarts'),
      cpuCell(c, v),
      memoryCell(c, v),
      cell('num', '↓ ' + rate(v.rx), v.net, '↑ ' + rate(v.tx), 'Network'),
      cell('num', 'r ' + rate(v.read), v.io, 'w ' + rate(v.write), 'Disk I/O'),
      cell('num', v.pids ?? '—', v.pids, null, 'PIDs'),
      cell('num', bytes(v.disk), v.disk, null, 'Disk usage'),
    );
    return tr;
  }

  function cell(className, text, value, sub, label) {
    const td = document.createElement('td');
    td.className = className;
    td.dataset.label = label;
    if (value !== null && value !== undefined) td.dataset.value = String(value);
    const main = document.createElement('span');
    main.textContent = String(text);
    td.appendChild(main);
    if (sub) {
      const small = document.createElement('span');
      small.className = 'sub';
      small.textContent = sub;
      td.appendChild(small);
    }
    return td;
  }

  function cpuCell(c, v) {
    const sub = v.cpuOfQuota !== null ? percent(v.cpuOfQuota) + ' of ' + v.quota.toFixed(2) + ' CPUs' : null;
    const td = cell('num cpu', v.cpu === null ? (c.state === 'running' ? '…' : '—') : percent(v.cpu), v.cpu, sub, 'CPU');
    td.appendChild(sparkline('cpu', (seen.get(c.id) || {}).cpu));
    return td;
  }

  function memoryCell(c, v) {
    const sub = v.limit ? 'of ' + bytes(v.limit) : null;
    const td = cell('num memory', bytes(v.memory), v.memory, sub, 'Memory');
    if (v.limit && v.memory !== null) {
      const meter = document.createElement('meter');
      meter.min = 0;
      meter.max = v.limit;
      meter.high = v.limit * 0.9;
      meter.value = v.memory;
      meter.title = percent(v.memory / v.limit * 100) + ' of the limit';
      td.appendChild(meter);
    }
    td.appendChild(sparkline('mem', (seen.get(c.id) || {}).mem));
    return td;
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function sparkline(kind, points) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark ' + kind);
    svg.setAttribute('viewBox', '0 0 60 16');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('aria-hidden', 'true');
    if (points && points.length > 1) {
      const top = Math.max(...points) || 1;
      const step = 60 / (points.length - 1);
      const start = 0;
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points.map((p, i) =>
        (start + i * step).toFixed(1) + ',' + (15 - 14 * p / top).toFixed(1)).join(' '));
      svg.appendChild(line);
    }
    return svg;
  }

  function percent(p) { return (p >= 100 ? p.toFixed(0) : p.toFixed(1)) + ' %'; }

  function bytes(n) {
    if (n === null || n === undefined) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + units[i];
  }

  function rate(n) { return n === null || n === undefined ? '—' : bytes(n) + '/s'; }

  function duration(s) {
    if (s === null || s === undefined) return '—';
    s = Math.floor(s);
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + (s % 60) + 's';
    return s + 's';
  }

  function clock(unixSeconds) { return new Date(unixSeconds * 1000).toLocaleTimeString(); }

  for (const th of table.querySelectorAll('th[data-key]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      if (key === sortKey) sortDir = -sortDir;
      else { sortKey = key; sortDir = NUMERIC.has(key) ? -1 : 1; }
      for (const other of table.querySelectorAll('th[data-key]')) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', sortDir === 1 ? 'ascending' : 'descending');
      render();
    });
  }
  table.querySelector('th[data-key=name]').setAttribute('aria-sort', 'ascending');
  filterBox.addEventListener('input', render);
  refresh();
})();
