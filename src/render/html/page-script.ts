/**
 * The page's own script, inlined after uPlot: reads the view (JSON in #run-data) and draws it with
 * plain DOM (a few hundred nodes at most) and canvases. Plain browser JavaScript, kept as text.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var view = JSON.parse(document.getElementById('run-data').textContent);
  var PHASES = [
    ['queued', '#b8c2cc', 'queued'],
    ['retryWait', '#f0a35e', "retries' waits"],
    ['connect', '#8e6bd1', 'connect'],
    ['wait', '#3fa7d6', 'waiting for headers'],
    ['body', '#3aa655', 'body'],
    ['other', '#7d8a96', 'other work'],
  ];
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function $(id) { return document.getElementById(id); }
  function bytes(n) {
    var u = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], i = 0;
    while (Math.abs(n) >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    return (i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + u[i];
  }
  function ms(n) {
    if (n < 1000) return Math.round(n) + ' ms';
    if (n < 60000) return (n / 1000).toFixed(n < 10000 ? 2 : 1) + ' s';
    return Math.floor(n / 60000) + ' min ' + Math.round((n % 60000) / 1000) + ' s';
  }
  function int(n) { return Number(n).toLocaleString('en-US'); }
  function when(t) { return t ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'unknown'; }

  // Run facts.
  var run = view.run || {};
  var start = run.startedAt || view.firstAt, end = run.endedAt || view.lastAt;
  var facts = [
    ['parafetch', run.version || 'unknown (no run file)'],
    ['started', when(start)],
    ['ended', when(end)],
    ['duration', start && end ? ms(end - start) : 'unknown'],
    ['command', run.argv ? 'parafetch ' + run.argv.join(' ') : 'unknown'],
    ['page made by', 'parafetch ' + view.pageVersion + ' at ' + when(view.generatedAt)],
  ];
  facts.forEach(function (f) { $('facts').append(el('dt', null, f[0]), el('dd', null, f[1])); });
  $('options').textContent = run.options ? JSON.stringify(run.options, null, 2) : 'not recorded (no run file beside the report)';

  // Totals.
  var t = view.totals;
  [['items', t.items, int], ['ok', t.ok, int], ['skipped', t.skipped, int], ['failed', t.failed, int],
   ['cancelled', t.cancelled, int], ['bytes', t.bytes, bytes], ['requests', t.requests, int], ['retries', t.retries, int]]
    .forEach(function (c) {
      var card = el('div', { class: 'card' + (c[0] === 'failed' && c[1] > 0 ? ' bad' : '') });
      card.append(el('b', { id: 'n-' + c[0], 'data-value': c[1] }, c[2](c[1])), el('span', null, c[0]));
      $('totals').append(card);
    });
  if (!view.hasTimes) $('no-times').hidden = false;

  // Throughput and connections.
  var tl = view.timeline;
  function chartWidth(id) { return Math.max(320, $(id).clientWidth - 8); }
  if (view.hasTimes && tl.x.length > 0) {
    var colors = ['#e6550d', '#3182bd', '#31a354', '#756bb1', '#636363', '#fd8d3c', '#6baed6', '#74c476'];
    var series = [{ label: 's' }, { label: 'bytes/s', scale: 'b', stroke: '#2b6cb0', width: 2, fill: 'rgba(43,108,176,0.12)', value: function (u, v) { return v == null ? '' : bytes(v) + '/s'; } },
      { label: 'files/s', scale: 'f', stroke: '#2f855a', width: 1.5 }, { label: 'failed/s', scale: 'f', stroke: '#c53030', width: 1 }];
    var data = [tl.x, tl.bytesPerSec, tl.filesPerSec, tl.failedPerSec];
    tl.workers.forEach(function (w, i) {
      series.push({ label: 'worker ' + w, scale: 'b', stroke: colors[i % colors.length], width: 1, dash: [4, 3], value: function (u, v) { return v == null ? '' : bytes(v) + '/s'; } });
      data.push(tl.workerBytesPerSec[i]);
    });
    var sync = uPlot.sync('run');
    var cursor = { sync: { key: 'run' } };
    new uPlot({ width: chartWidth('throughput'), height: 260, cursor: cursor, series: series, scales: { x: { time: false } },
      axes: [{ label: 'seconds since start' }, { scale: 'b', size: 80, values: function (u, vs) { return vs.map(function (v) { return bytes(v) + '/s'; }); } },
        { scale: 'f', side: 1, grid: { show: false }, label: 'files/s' }] }, data, $('throughput'));
    new uPlot({ width: chartWidth('connections'), height: 160, cursor: cursor, scales: { x: { time: false } },
      series: [{ label: 's' }, { label: 'in flight', stroke: '#805ad5', width: 1.5, fill: 'rgba(128,90,213,0.12)' }],
      axes: [{ label: 'seconds since start' }, { size: 80, label: 'active' }] }, [tl.x, tl.active], $('connections'));
    void sync;
  } else {
    $('throughput').textContent = 'No times in the report: throughput cannot be drawn.';
    $('connections').textContent = '';
  }

  // Waterfalls.
  $('legend').append.apply($('legend'), PHASES.map(function (p) {
    var s = el('span', { class: 'key' }); s.append(el('i', { style: 'background:' + p[1] }), p[2]); return s;
  }));
  function waterfall(id, bars, byStart, row) {
    var box = $(id), tip = $('tip');
    if (bars.length === 0) { box.textContent = 'No items.'; return; }
    var dpr = window.devicePixelRatio || 1, label = row >= 10 ? 260 : 0;
    var width = Math.max(400, box.clientWidth - 4), height = bars.length * row + 20;
    var c = el('canvas', { width: width * dpr, height: height * dpr, style: 'width:' + width + 'px;height:' + height + 'px' });
    box.append(c);
    var g = c.getContext('2d'); g.scale(dpr, dpr);
    var timed = byStart && bars.every(function (b) { return b.start >= 0; });
    var max = 1;
    bars.forEach(function (b) { max = Math.max(max, (timed ? b.start : 0) + b.total); });
    var scale = (width - label - 10) / max;
    g.font = '11px system-ui, sans-serif'; g.textBaseline = 'middle';
    bars.forEach(function (b, i) {
      var y = i * row;
      if (label > 0) {
        g.fillStyle = b.status === 'failed' ? '#c53030' : '#333';
        g.fillText(b.url.length > 42 ? '…' + b.url.slice(-41) : b.url, 2, y + row / 2);
      } else if (b.status === 'failed') {
        g.fillStyle = '#c53030'; g.fillRect(0, y, 3, row - 1);
      }
      var x = label + (timed ? b.start : 0) * scale;
      PHASES.forEach(function (p) {
        var w = b[p[0]] * scale;
        if (w <= 0) return;
        g.fillStyle = p[1]; g.fillRect(x, y + (row > 6 ? 2 : 0), Math.max(w, 0.5), row > 6 ? row - 4 : row - 1); x += w;
      });
    });
    g.fillStyle = '#555'; g.fillText('0 … ' + ms(max) + (timed ? ' from the start of the run' : ' (durations, no start times)'), label + 4, height - 8);
    c.addEventListener('mousemove', function (e) {
      var b = bars[Math.floor(e.offsetY / row)];
      if (!b) { tip.hidden = true; return; }
      tip.textContent = b.url + '\n' + b.status + (b.code ? ' ' + b.code : '') + ', total ' + ms(b.total) + '\n' +
        PHASES.map(function (p) { return p[2] + ': ' + ms(b[p[0]]); }).join(', ');
      tip.style.left = e.pageX + 12 + 'px'; tip.style.top = e.pageY + 12 + 'px'; tip.hidden = false;
    });
    c.addEventListener('mouseleave', function () { tip.hidden = true; });
  }
  waterfall('slowest', view.slowest, false, 13);
  waterfall('sample', view.sample, true, 5);

  // Hosts, sortable.
  var cols = [['host', 'host', String], ['requests', 'requests', int], ['items', 'items', int], ['bytes', 'bytes', bytes],
    ['failed', 'failed', int], ['errorRate', 'error rate', function (v) { return (v * 100).toFixed(1) + '%'; }],
    ['retries', 'retries', int], ['ttfbP50', 'TTFB p50', ms], ['ttfbP95', 'TTFB p95', ms], ['retryAfterMs', 'Retry-After pauses', ms]];
  var hosts = view.hosts.slice(), sortKey = 'requests', desc = true;
  var table = $('hosts'), head = el('tr');
  cols.forEach(function (col) {
    var th = el('th', { 'data-key': col[0], tabindex: '0' }, col[1]);
    th.addEventListener('click', function () { desc = sortKey === col[0] ? !desc : col[0] !== 'host'; sortKey = col[0]; drawHosts(); });
    head.append(th);
  });
  table.createTHead().append(head);
  var body = table.createTBody();
  function drawHosts() {
    hosts.sort(function (a, b) {
      var x = a[sortKey], y = b[sortKey], o = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return desc ? -o : o;
    });
    body.replaceChildren.apply(body, hosts.map(function (h) {
      var tr = el('tr');
      cols.forEach(function (col) { tr.append(el('td', { 'data-value': h[col[0]] }, col[2](h[col[0]]))); });
      return tr;
    }));
    head.querySelectorAll('th').forEach(function (th) {
      th.className = th.getAttribute('data-key') === sortKey ? (desc ? 'desc' : 'asc') : '';
    });
  }
  drawHosts();

  // Failures.
  $('rerun').textContent = t.saveFailed > 0
    ? int(t.saveFailed) + ' failed items: --save-failed FILE writes them, and parafetch -i FILE runs them again.'
    : 'No failed items.';
  var fb = $('failures').createTBody();
  view.failures.forEach(function (f) {
    var tr = el('tr', { 'data-code': f.code });
    var ex = el('td');
    f.examples.forEach(function (e) { ex.append(el('div', { class: 'url', title: e.message }, e.url)); });
    tr.append(el('td', null, f.code), el('td', { class: 'num', 'data-value': f.count }, int(f.count)), ex);
    fb.append(tr);
  });
  document.body.setAttribute('data-drawn', 'yes');
})();
`;
