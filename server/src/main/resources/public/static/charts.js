/*
 * openmms charts. Draws every <figure data-chart> inside the element marked data-dashboard with
 * Chart.js, from the public API's measurements resource (read with the session cookie), and
 * refreshes them every data-refresh-ms without reloading the page.
 *
 * Configuration comes from data- attributes only (no inline script):
 *   dashboard: data-group, data-granularity (PT1M, PT1H), data-period (ISO duration),
 *              data-span-ms, data-range-label ("1 hour"), data-refresh-ms
 *   chart:     data-title, data-units (Ops Manager unit name), data-series (JSON list of
 *              {host, metric, label})
 * Each refresh makes one request per host, asking for every metric the page shows of it.
 * The x axis is linear in epoch milliseconds with our own time ticks (no date adapter needed).
 */
(function () {
  'use strict';
  var root = document.querySelector('[data-dashboard]');
  if (!root) return;
  var API = '/api/public/v1.0/groups/';
  var COLORS = ['#13795b', '#2563eb', '#c2410c', '#7c3aed', '#b42318', '#0891b2', '#a16207', '#4b5563'];
  var cfg = {
    group: root.dataset.group,
    granularity: root.dataset.granularity,
    period: root.dataset.period,
    span: Number(root.dataset.spanMs),
    rangeLabel: root.dataset.rangeLabel,
    refresh: Number(root.dataset.refreshMs) || 10000
  };
  var updated = document.querySelector('[data-updated]');
  if (!window.Chart) {
    showAll('The chart library did not load; reload the page to try again.');
    return;
  }
  var charts = [];
  var timer = null;
  var busy = false;
  var stopped = false;

  // ---- formatting -------------------------------------------------------------------------

  var MIN = 60000, HOUR = 60 * MIN, DAY = 24 * HOUR;
  var hm = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
  var md = new Intl.DateTimeFormat(undefined, {month: 'short', day: 'numeric'});
  var full = new Intl.DateTimeFormat(undefined, {year: 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'});
  var num = new Intl.NumberFormat(undefined, {maximumFractionDigits: 2});

  function compact(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return num.format(v / 1e9) + 'G';
    if (a >= 1e6) return num.format(v / 1e6) + 'M';
    if (a >= 1e4) return num.format(v / 1e3) + 'k';
    return num.format(v);
  }

  /** Bytes per unit of a chart's values, for the axes of byte-valued charts. */
  function byteScale(units) {
    return units === 'MEGABYTES' ? 1024 * 1024 : /BYTES/.test(units) ? 1 : 0;
  }

  /**
   * Ticks for a byte axis at round binary sizes (0, 512 MB, 1 GB, 1.5 GB...), where Chart.js
   * would pick round decimal numbers such as 1.95 GB.
   */
  function byteTicks(max, scale) {
    var top = Math.max(max * scale, 1);
    var unit = 1;
    while (top / unit >= 1024) unit *= 1024;
    var raw = top / unit / 4;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var nice = [1, 2, 2.5, 5, 10].map(function (f) { return f * mag; })
      .filter(function (f) { return f >= raw; })[0];
    var ticks = [];
    for (var v = 0; ; v += nice * unit) {
      ticks.push({value: v / scale});
      if (v >= top * (1 - 1e-9)) return ticks;
    }
  }

  function bytes(v) {
    var units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    var i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return num.format(v) + ' ' + units[i];
  }

  function seconds(v) {
    if (Math.abs(v) >= 3600) return num.format(v / 3600) + ' h';
    if (Math.abs(v) >= 60) return num.format(v / 60) + ' min';
    return num.format(v) + ' s';
  }

  /** A value in the chart's units, for ticks, tooltips and the text alternative. */
  function format(v, units) {
    if (v === null || v === undefined || isNaN(v)) return 'no value';
    switch (units) {
      case 'SCALAR_PER_SECOND': return compact(v) + '/s';
      case 'BYTES_PER_SECOND': return bytes(v) + '/s';
      case 'BYTES': return bytes(v);
      case 'MEGABYTES': return bytes(v * 1024 * 1024);
      case 'SECONDS': return seconds(v);
      case 'HOURS': return num.format(v) + ' h';
      case 'GIGABYTES_PER_HOUR': return num.format(v) + ' GB/h';
      default: return compact(v);
    }
  }

  var STEPS = [MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR,
    12 * HOUR, DAY, 2 * DAY, 7 * DAY];

  /** Round local times between min and max, at most about 5 of them. */
  function timeTicks(min, max) {
    var step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) {
      if ((max - min) / STEPS[i] <= 5) { step = STEPS[i]; break; }
    }
    var offset = -new Date(min).getTimezoneOffset() * MIN;
    var t = Math.ceil((min + offset) / step) * step - offset;
    var ticks = [];
    for (; t <= max; t += step) ticks.push({value: t});
    return ticks;
  }

  /** Times of day for a range of a day or less; dates (and midnight as a date) beyond. */
  function tickLabel(t) {
    var d = new Date(t);
    var midnight = d.getHours() === 0 && d.getMinutes() === 0;
    return cfg.span > 2 * DAY || midnight && cfg.span >= DAY ? md.format(d) : hm.format(d);
  }

  // ---- charts -----------------------------------------------------------------------------

  function setup(fig) {
    var series = JSON.parse(fig.dataset.series);
    var units = fig.dataset.units;
    var canvas = fig.querySelector('canvas');
    var chart = new window.Chart(canvas, {
      type: 'line',
      data: {datasets: series.map(function (s, i) {
        var c = COLORS[i % COLORS.length];
        return {label: s.label, data: [], borderColor: c, backgroundColor: c, borderWidth: 1.5,
          pointRadius: 0, pointHoverRadius: 3, tension: 0, spanGaps: false};
      })},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        parsing: false, normalized: true, layout: {padding: {top: 8}},
        interaction: {mode: 'nearest', axis: 'x', intersect: false},
        scales: {
          x: {type: 'linear', ticks: {callback: tickLabel, maxRotation: 0, autoSkip: false},
            afterBuildTicks: function (axis) { axis.ticks = timeTicks(axis.min, axis.max); },
            grid: {color: '#eef2f6'}},
          y: {beginAtZero: true, ticks: {callback: function (v) { return format(v, units); },
            maxTicksLimit: 6}, grid: {color: '#eef2f6'},
            afterDataLimits: function (axis) {
              if (byteScale(units)) {
                var t = byteTicks(axis.max, byteScale(units));
                axis.max = t[t.length - 1].value;
              }
            },
            afterBuildTicks: function (axis) {
              if (byteScale(units)) axis.ticks = byteTicks(axis.max, byteScale(units));
            }}
        },
        plugins: {
          legend: {display: series.length > 1, position: 'bottom',
            labels: {boxWidth: 10, boxHeight: 10}},
          tooltip: {callbacks: {
            title: function (items) { return items.length ? full.format(new Date(items[0].parsed.x)) : ''; },
            label: function (item) { return item.dataset.label + ': ' + format(item.parsed.y, units); }
          }}
        }
      }
    });
    return {fig: fig, series: series, units: units, chart: chart, canvas: canvas,
      title: fig.dataset.title, plot: fig.querySelector('.plot'),
      empty: fig.querySelector('.chart-empty'), error: fig.querySelector('.chart-error')};
  }

  /** Points of one series, with a gap (null) where samples are missing for over 2.5 steps. */
  function points(dataPoints, step) {
    var out = [];
    var prev = null;
    dataPoints.forEach(function (p) {
      var x = Date.parse(p.timestamp);
      if (prev !== null && x - prev > 2.5 * step) out.push({x: prev + step, y: null});
      out.push({x: x, y: p.value});
      prev = x;
    });
    return out;
  }

  function update(c, byHost, step) {
    var failed = c.series.map(function (s) { return byHost[s.host]; })
      .filter(function (r) { return !r || r.error; });
    c.error.hidden = failed.length === 0;
    if (failed.length) {
      c.error.textContent = 'Could not load the data: ' + (failed[0] ? failed[0].error : 'no answer');
      return;
    }
    var latest = [];
    c.series.forEach(function (s, i) {
      var r = byHost[s.host];
      var data = points(r.series[s.metric] || [], step);
      c.chart.data.datasets[i].data = data;
      // with few points a line is too short to see: draw the points too
      c.chart.data.datasets[i].pointRadius = data.length < 40 ? 2 : 0;
      for (var k = data.length - 1; k >= 0; k--) {
        if (data[k].y !== null) {
          latest.push(s.label + ' ' + format(data[k].y, c.units) + ' at ' + hm.format(new Date(data[k].x)));
          break;
        }
      }
    });
    var r0 = byHost[c.series[0].host];
    c.chart.options.scales.x.min = r0.start;
    c.chart.options.scales.x.max = r0.end;
    var any = latest.length > 0;
    c.empty.hidden = any;
    c.plot.hidden = !any;
    c.canvas.setAttribute('aria-label', c.title + ', last ' + cfg.rangeLabel + ': '
        + (any ? 'latest ' + latest.join('; ') : 'no data'));
    if (any) c.chart.update('none');
  }

  // ---- data -------------------------------------------------------------------------------

  function fetchHost(host, metrics) {
    var url = API + encodeURIComponent(cfg.group) + '/hosts/' + encodeURIComponent(host)
        + '/measurements?granularity=' + cfg.granularity + '&period=' + cfg.period
        + metrics.map(function (m) { return '&m=' + encodeURIComponent(m); }).join('');
    return fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.status === 401) {
            stopped = true;
            return {error: 'your session has ended. Reload the page to sign in again.'};
          }
          if (!res.ok) return {error: (body.detail || 'HTTP ' + res.status) + '. Retrying.'};
          var series = {};
          (body.measurements || []).forEach(function (m) { series[m.name] = m.dataPoints; });
          return {start: Date.parse(body.start), end: Date.parse(body.end), series: series};
        });
      })
      .catch(function () { return {error: 'the server did not answer. Retrying.'}; });
  }

  function refresh() {
    timer = null;
    if (busy) return;
    busy = true;
    var wanted = {};
    charts.forEach(function (c) {
      c.series.forEach(function (s) {
        (wanted[s.host] = wanted[s.host] || {})[s.metric] = true;
      });
    });
    var hosts = Object.keys(wanted);
    var step = cfg.granularity === 'PT1H' ? HOUR : cfg.granularity === 'P1D' ? DAY : MIN;
    Promise.all(hosts.map(function (h) { return fetchHost(h, Object.keys(wanted[h])); }))
      .then(function (results) {
        var byHost = {};
        hosts.forEach(function (h, i) { byHost[h] = results[i]; });
        charts.forEach(function (c) { update(c, byHost, step); });
        if (updated) {
          updated.textContent = stopped ? 'Charts stopped refreshing: your session has ended.'
              : 'Updated ' + full.format(new Date()) + '. Charts refresh every '
                + Math.round(cfg.refresh / 1000) + ' seconds.';
        }
      })
      .catch(function (e) {
        showAll('The charts could not be drawn (' + e.message + '); reload the page to try again.');
        if (window.console) window.console.error(e);
      })
      .finally(function () {
        busy = false;
        schedule();
      });
  }

  function schedule() {
    if (!stopped && !document.hidden && timer === null) timer = setTimeout(refresh, cfg.refresh);
  }

  function showAll(message) {
    Array.prototype.forEach.call(root.querySelectorAll('.chart-error'), function (e) {
      e.textContent = message;
      e.hidden = false;
    });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      if (timer !== null) { clearTimeout(timer); timer = null; }
    } else if (timer === null && !stopped) {
      refresh();
    }
  });
  charts = Array.prototype.map.call(root.querySelectorAll('[data-chart]'), setup);
  refresh();
})();
