/*
 * openmms backup pages. Two parts, each configured by data- attributes only (no inline script):
 *
 * - [data-restore-jobs] (a replica set's backup page): draws the restore jobs table from
 *   data-jobs, the jobs as the public API's restoreJobs resource lists them (the page carries
 *   them, with the download link of a READY job), then re-reads that resource (data-api) with the
 *   session cookie every 2 s while a job is IN_PROGRESS, and when the page is shown again.
 * - [data-restore-wizard] (the restore wizard): three steps in one form. The last POSTs the
 *   request as JSON to data-api with the session cookie and the page's CSRF token in
 *   X-CSRF-Token (data-csrf), as the API requires of a session-authenticated write. On 201 it
 *   goes to data-done, where the new job shows; on an error it shows the API's detail and returns
 *   to the step the error is about, keeping everything the user entered. The SSH push step shows
 *   the daemons' public keys (rendered by the server); [data-copy] copies them.
 */
(function () {
  'use strict';

  /** 2026-11-21T10:00:00Z (the API's times) as the pages show them: 2026-11-21 10:00:00 UTC. */
  function when(iso) {
    return iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : '';
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function cell(children) {
    var td = el('td');
    children.forEach(function (c) {
      if (c !== null) td.append(c, ' ');
    });
    return td;
  }

  // ---- restore jobs -----------------------------------------------------------------------

  function jobsTable(table) {
    var REFRESH = 2000, RETRY = 5000;
    var body = table.tBodies[0];
    var updated = document.querySelector('[data-jobs-updated]');
    var timer = null;
    var stopped = false;
    var clock = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit',
      second: '2-digit', hourCycle: 'h23'});

    function point(j) {
      if (!j.pointInTime) return 'Snapshot ' + when(j.timestamp && j.timestamp.date);
      if (j.pointInTimeUTCMillis !== null && j.pointInTimeUTCMillis !== undefined) {
        return 'Point in time ' + when(new Date(j.pointInTimeUTCMillis).toISOString());
      }
      return 'Oplog ' + Date.parse(j.timestamp.date) / 1000 + ':' + (j.timestamp.increment >>> 0);
    }

    function badge(status) {
      return status === 'FINISHED' ? 'up' : status === 'BROKEN' ? 'down' : '';
    }

    /** The last cell: why a job broke, or what became of its delivery. */
    function result(j) {
      var d = j.delivery || {};
      if (j.statusName === 'BROKEN') return [el('span', 'problem', j.reason)];
      if (d.methodName !== 'HTTP') return [];
      if (d.url) {
        var a = el('a', 'download', 'Download');
        a.href = d.url;
        a.setAttribute('aria-label', 'Download the restore created ' + when(j.created));
        var used = el('span', 'muted', (d.downloads || 0) + ' of ' + d.maxDownloads
            + ' downloads used' + (d.expires ? ', link expires ' + when(d.expires) : ''));
        return [a, used];
      }
      if (d.statusName && d.statusName !== 'NOT_STARTED') {
        return [el('span', 'muted', d.statusName === 'EXPIRED' ? 'Link expired'
            : d.statusName === 'MAX_DOWNLOADS_EXCEEDED' ? 'All downloads used' : d.statusName)];
      }
      return [];
    }

    function renderJob(j) {
      var tr = el('tr');
      tr.dataset.job = j.id;
      tr.dataset.status = j.statusName;
      var p = j.progress || {};
      var percent = p.percent || 0;
      var bar = el('progress', null, percent + ' %');
      bar.max = 100;
      bar.value = percent;
      bar.setAttribute('aria-label', 'Progress of the ' + p.phase + ' phase');
      var d = j.delivery || {};
      var detail = d.methodName === 'AUTOMATED_RESTORE' ? d.target : d.format;
      tr.append(
        el('td', null, when(j.created)),
        el('td', null, point(j)),
        cell([el('span', 'badge ' + badge(j.statusName), j.statusName)]),
        el('td', null, p.phase),
        cell([bar, el('span', 'percent', percent + ' %')]),
        cell([document.createTextNode(d.methodName), detail ? el('span', 'muted', detail) : null]),
        el('td', null, (j.verification && j.verification.status) || 'PENDING'),
        cell(result(j)));
      return tr;
    }

    function render(jobs) {
      if (jobs.length === 0) {
        var tr = el('tr', 'none');
        var td = el('td', 'muted', 'No restore yet.');
        td.colSpan = 8;
        tr.append(td);
        body.replaceChildren(tr);
      } else {
        body.replaceChildren.apply(body, jobs.map(renderJob));
      }
    }

    function say(text) {
      if (updated) updated.textContent = text;
    }

    function schedule(delay) {
      if (!stopped && !document.hidden && timer === null) timer = setTimeout(refresh, delay);
    }

    /** Draws the jobs and keeps refreshing while one runs; prefix starts the status line. */
    function show(jobs, prefix) {
      render(jobs);
      var running = jobs.some(function (j) { return j.statusName === 'IN_PROGRESS'; });
      say([prefix, running ? 'Refreshing every 2 seconds while a restore runs.' : '']
          .join(' ').trim());
      if (running) schedule(REFRESH);
    }

    function refresh() {
      timer = null;
      fetch(table.dataset.api, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (b) {
            if (res.status === 401) {
              stopped = true;
              throw new Error('your session has ended; reload the page to sign in again');
            }
            if (!res.ok) throw new Error((b.detail || 'HTTP ' + res.status) + '. Retrying');
            return b.results || [];
          });
        })
        .then(function (jobs) {
          show(jobs, 'Updated ' + clock.format(new Date()) + '.');
        })
        .catch(function (e) {
          say('Could not refresh the restore jobs: ' + (e.message || 'the server did not answer')
              + '.');
          schedule(RETRY);
        });
    }

    document.addEventListener('visibilitychange', function () {
      if (document.hidden) {
        if (timer !== null) { clearTimeout(timer); timer = null; }
      } else if (timer === null && !stopped) {
        refresh();
      }
    });
    show(JSON.parse(table.dataset.jobs || '[]'), '');
  }

  // ---- restore wizard ---------------------------------------------------------------------

  /** The step each API error is about; the wizard returns there to show it. */
  var STEP_OF = {INVALID_RESTORE_POINT: 1, SNAPSHOT_NOT_FOUND: 1, INVALID_DELIVERY: 2};
  var FORMATS = {TAR_GZ: '.tar.gz of a mongodump directory', ARCHIVE: 'mongodump archive',
    ARCHIVE_GZ: 'gzipped mongodump archive'};

  function wizard(form) {
    var error = document.getElementById('wizard-error');
    var submit = document.getElementById('submit');
    var current = 1;
    var busy = false;

    function $(id) { return document.getElementById(id); }

    function checked(name) {
      var e = form.querySelector('input[name="' + name + '"]:checked');
      return e ? e.value : null;
    }

    /** Shows the options of the chosen restore point and delivery, hides the others. */
    function showChoices() {
      ['point', 'method'].forEach(function (name) {
        form.querySelectorAll('input[name="' + name + '"]').forEach(function (r) {
          var sub = form.querySelector('.sub[data-for="' + r.value + '"]');
          if (sub) sub.hidden = !r.checked;
        });
      });
    }

    /** What to restore, as request fields and in words; throws an Error saying what is missing. */
    function point() {
      var kind = checked('point');
      if (kind === 'snapshot') {
        var s = form.querySelector('input[name="snapshotId"]:checked');
        if (!s) throw new Error('Choose a snapshot.');
        return {fields: {snapshotId: s.value}, label: 'Snapshot of ' + s.dataset.label};
      }
      if (kind === 'time') {
        var v = $('pit-time').value;
        var ms = v ? Date.parse(v + 'Z') : NaN;
        if (isNaN(ms)) throw new Error('Enter the date and time to restore to, in UTC.');
        return {fields: {pointInTimeUTCMillis: ms},
          label: 'Point in time ' + when(new Date(ms).toISOString())};
      }
      var m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec($('oplog-ts').value);
      if (!m) {
        throw new Error('Enter the oplog timestamp as seconds:increment, for example '
            + $('oplog-ts').placeholder + '.');
      }
      return {fields: {oplogTs: Number(m[1]), oplogInc: Number(m[2])},
        label: 'Oplog timestamp ' + m[1] + ':' + m[2]};
    }

    /** A number field into d[field] unless left empty (the API's default applies). */
    function number(d, field, id, what) {
      var input = $(id);
      if (input.validity.badInput) throw new Error(what + ' must be a number.');
      if (input.value.trim() !== '') d[field] = Number(input.value);
    }

    /** The namespace renames, one from=to per line. */
    function remap() {
      var out = {};
      $('direct-remap').value.split('\n').forEach(function (line, i) {
        line = line.trim();
        if (!line) return;
        var eq = line.indexOf('=');
        if (eq < 0) {
          throw new Error('Line ' + (i + 1) + ' of the namespace renames ("' + line
              + '") is not of the form from=to.');
        }
        out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
      });
      return out;
    }

    /** The delivery, as the request's delivery object and in words (see point). */
    function delivery() {
      var method = checked('method');
      var d = {methodName: method};
      if (method === 'HTTP') {
        d.format = $('http-format').value;
        number(d, 'expirationHours', 'http-hours', 'The link expiry');
        number(d, 'maxDownloads', 'http-max', 'The maximum number of downloads');
        return {delivery: d, rows: [['Delivery', 'Download link'],
          ['Format', FORMATS[d.format] + ' (' + d.format + ')'],
          ['Link expires after', (d.expirationHours || 1) + ' h'],
          ['Maximum downloads', d.maxDownloads || 1]]};
      }
      if (method === 'SCP') {
        d.format = $('scp-format').value;
        d.targetHost = $('scp-host').value.trim();
        number(d, 'targetPort', 'scp-port', 'The port');
        d.username = $('scp-user').value.trim();
        d.targetDirectory = $('scp-dir').value.trim();
        d.hostKeyFingerprint = $('scp-fingerprint').value.trim();
        return {delivery: d, rows: [['Delivery', 'SSH push'],
          ['To', d.username + '@' + d.targetHost + ':' + (d.targetPort || 22) + ' '
            + d.targetDirectory],
          ['Host key', d.hostKeyFingerprint], ['Format', FORMATS[d.format] + ' (' + d.format + ')']]};
      }
      d.targetConnectionString = $('direct-uri').value.trim();
      d.dropExisting = $('direct-drop').checked;
      d.namespaceRemap = remap();
      var renames = Object.keys(d.namespaceRemap).map(function (k) {
        return k + ' → ' + d.namespaceRemap[k];
      });
      return {delivery: d, rows: [['Delivery', 'Direct restore'],
        // the password is a secret: never echo it on the page
        ['Into', d.targetConnectionString.replace(/\/\/[^@/]*@/, '//…@')],
        ['Existing collections', d.dropExisting ? 'dropped first' : 'must be empty'],
        ['Renames', renames.length ? renames.join(', ') : 'none']]};
    }

    function review() {
      var list = $('review');
      var rows = [['Restore', point().label]].concat(delivery().rows);
      list.replaceChildren();
      rows.forEach(function (r) {
        var div = el('div');
        div.append(el('dt', null, r[0]), el('dd', null, r[1]));
        list.append(div);
      });
    }

    function show(step) {
      form.querySelectorAll('[data-step]').forEach(function (f) {
        f.hidden = Number(f.dataset.step) !== step;
      });
      form.querySelectorAll('[data-step-label]').forEach(function (li) {
        if (Number(li.dataset.stepLabel) === step) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
      });
      current = step;
    }

    function fail(message, step) {
      show(step);
      error.textContent = message;
      error.hidden = false;
      error.focus();
    }

    /** Moves to a step; forward only when the steps before it are complete. */
    function go(step) {
      if (step > current) {
        try {
          point();
        } catch (e) {
          fail(e.message, 1);
          return;
        }
        try {
          if (step > 2) review();
        } catch (e) {
          fail(e.message, 2);
          return;
        }
        error.hidden = true;
      }
      show(step);
      var first = form.querySelector('[data-step="' + step + '"] input:checked, [data-step="'
          + step + '"] button.primary');
      if (first) first.focus();
    }

    function send() {
      if (busy) return;
      var p, d;
      try {
        p = point();
        d = delivery();
      } catch (e) {
        fail(e.message, p ? 2 : 1);
        return;
      }
      var body = Object.assign({}, p.fields, {delivery: d.delivery});
      busy = true;
      submit.disabled = true;
      submit.textContent = 'Starting…';
      var leaving = false;
      fetch(form.dataset.api, {method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
        headers: {'Content-Type': 'application/json', Accept: 'application/json',
          'X-CSRF-Token': form.dataset.csrf}})
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (b) {
            if (res.status === 201) {
              leaving = true;
              window.location.assign(form.dataset.done + '?created=' + encodeURIComponent(b.id));
              return;
            }
            var why = res.status === 401 ? 'Your session has ended: sign in again in another tab,'
                + ' then start the restore again; what you entered is kept here.'
                : b.detail || 'The server answered HTTP ' + res.status + '.';
            fail('The restore was not started. ' + why, STEP_OF[b.errorCode] || 3);
          });
        })
        .catch(function () {
          fail('The restore was not started: the server did not answer. Check the connection'
              + ' and try again.', 3);
        })
        .finally(function () {
          busy = false;
          if (!leaving) {
            submit.disabled = false;
            submit.textContent = 'Start the restore';
          }
        });
    }

    /**
     * Copies the daemon's public key lines (the SSH push step) to the clipboard; where the page
     * may not write it (plain HTTP other than localhost), selects them for Ctrl+C instead.
     */
    function copyKeys(button) {
      var block = $(button.dataset.copy);
      var status = $('copy-ssh-keys-status');
      function select() {
        var range = document.createRange();
        range.selectNodeContents(block);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
      }
      if (!navigator.clipboard || !window.isSecureContext) {
        select();
        return;
      }
      navigator.clipboard.writeText(block.textContent.trim() + '\n').then(function () {
        status.textContent = 'Copied.';
      }, select);
    }

    form.addEventListener('change', showChoices);
    form.addEventListener('click', function (e) {
      var b = e.target.closest('button[data-go]');
      if (b) go(Number(b.dataset.go));
      var c = e.target.closest('button[data-copy]');
      if (c) copyKeys(c);
    });
    // Enter in a field moves on a step; on the last step it starts the restore
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (current < 3) go(current + 1);
      else send();
    });
    showChoices();
  }

  var table = document.querySelector('[data-restore-jobs]');
  if (table) jobsTable(table);
  var form = document.querySelector('[data-restore-wizard]');
  if (form) wizard(form);
})();
