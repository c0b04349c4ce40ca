/**
 * The page's script, sent as it is (plain ES2020, no build step): polls `dashboard/data` twice a
 * second, so that even a late timer redraws at least once a second, and redraws the cards, the
 * uPlot charts, the error table and the events. Everything from the data is written with
 * textContent, never as HTML. The fault controls exist only when the data says the browser
 * presented the operator certificate, and only on the KME that runs the link; they call the
 * simulation API of this same origin, which checks that certificate again. (A string rather than
 * a file: the KMEs are bundled, and the project compiles without DOM types.)
 */
export const DASHBOARD_SCRIPT = String.raw`'use strict';
(function () {
  var POLL_MS = 500;
  var selfId = document.body.dataset.kmeId;
  var peerId = document.body.dataset.peerKmeId;
  var timer = null;
  var polling = false;
  var charts = {};
  var controls = null;
  var last = null;

  var STATUS_WORDS = {
    generating: 'generating',
    aborted: 'aborted',
    channel_down: 'channel down',
    stopped: 'stopped',
  };

  function byId(id) {
    return document.getElementById(id);
  }

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function replaceChildren(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (child) {
      node.appendChild(child);
    });
  }

  function number(x) {
    return Math.round(x).toLocaleString('en-US');
  }

  function rate(bps) {
    if (bps === null) return 'no rate limit';
    if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mbit/s';
    if (bps >= 1e3) return (bps / 1e3).toFixed(1) + ' kbit/s';
    return Math.round(bps) + ' bit/s';
  }

  function percent(x) {
    return (100 * x).toFixed(1) + '%';
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
  }

  function state(ok, good, bad) {
    return el('span', { class: ok ? 'state-ok' : 'state-bad' }, [ok ? good : bad]);
  }

  function definitions(pairs) {
    var list = el('dl');
    pairs.forEach(function (pair) {
      list.appendChild(el('dt', {}, [pair[0]]));
      var value = pair[1];
      list.appendChild(el('dd', {}, [value]));
    });
    return list;
  }

  function renderKme(card, kme, kmeId, stale, note) {
    card.classList.toggle('stale', stale);
    if (kme === null) {
      replaceChildren(card, [
        el('div', { class: 'title' }, [el('span', {}, [kmeId]), el('span', { class: 'muted' }, ['peer KME'])]),
        el('p', { class: 'pool-level', 'data-testid': 'pool-level' }, ['unknown']),
        el('p', { class: 'muted' }, [note || 'not read yet']),
      ]);
      return;
    }
    var capacity = kme.pool.capacity_bits;
    var bits = kme.pool.available_bits;
    var share = capacity > 0 ? Math.min(1, bits / capacity) : 0;
    var fill = el('span', {});
    fill.style.width = (100 * share).toFixed(1) + '%';
    var pairs = [
      ['KME-to-KME link', state(kme.peer_link_up, 'up', 'down')],
      ['broker', state(kme.broker_connected, 'connected', 'not connected')],
      ['keys delivered', number(kme.deliveries.keys_per_s) + ' /s, ' + number(kme.deliveries.keys_total) + ' in all'],
      ['errors', number(kme.errors.per_s) + ' /s'],
    ];
    var children = [
      el('div', { class: 'title' }, [
        el('span', {}, [kme.kme_id]),
        el('span', { class: 'muted' }, [kme.role + ' KME' + (kme.kme_id === selfId ? ' (this one)' : '')]),
      ]),
      el('div', { class: 'pool-level', 'data-testid': 'pool-level' }, [
        number(bits) + ' of ' + number(capacity) + ' bits (' + Math.round(100 * share) + '%)',
      ]),
      el('div', { class: 'bar', role: 'presentation' }, [fill]),
      definitions(pairs),
    ];
    if (note) children.push(el('p', { class: 'state-warn' }, [note]));
    replaceChildren(card, children);
  }

  function renderLink(link) {
    var card = byId('link');
    if (link === null) {
      replaceChildren(card, [
        el('div', { class: 'title' }, [el('h2', {}, ['Simulated QKD link'])]),
        el('p', {}, [el('span', { class: 'badge unknown', 'data-testid': 'link-status' }, ['unknown'])]),
        el('p', { class: 'muted' }, ['No simulation data from either KME.']),
      ]);
      return;
    }
    var pairs = [
      ['QBER', percent(link.qber) + ' (aborts above ' + percent(link.abort_qber) + ')'],
      ['secret key rate', rate(link.secret_key_rate_bps)],
      ['quantum channel', state(link.quantum_channel === 'up', 'up', 'down')],
      ['eavesdropper', link.eavesdropper ? el('span', { class: 'state-bad' }, ['present']) : 'none'],
      ['fibre', link.distance_km === null ? 'n/a' : link.distance_km + ' km'],
      ['preset', link.preset === null ? 'none' : link.preset],
      ['run by', link.kme_id],
    ];
    var children = [
      el('h2', {}, ['Simulated QKD link']),
      el('p', {}, [
        el('span', { class: 'badge ' + link.status, 'data-testid': 'link-status' }, [
          STATUS_WORDS[link.status] || link.status,
        ]),
      ]),
      definitions(pairs),
    ];
    if (link.reason) children.push(el('p', { class: 'muted', 'data-testid': 'link-reason' }, [link.reason]));
    replaceChildren(card, children);
  }

  /** The simulation API of this KME, called with the certificate the browser presented. */
  function simulate(button, method, path, body, done) {
    var outcome = controls.querySelector('.outcome');
    button.disabled = true;
    outcome.className = 'outcome';
    outcome.textContent = 'sending…';
    var init = { method: method, headers: { accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    fetch(path, init)
      .then(function (response) {
        return response.text().then(function (text) {
          if (response.ok) {
            outcome.textContent = done;
            return;
          }
          var message = text;
          try {
            message = JSON.parse(text).message || text;
          } catch (ignored) {
            // not JSON: shown as it came
          }
          outcome.className = 'outcome failed';
          outcome.textContent = response.status + ' ' + message;
        });
      })
      .catch(function (error) {
        outcome.className = 'outcome failed';
        outcome.textContent = 'failed: ' + error.message;
      })
      .then(function () {
        button.disabled = false;
        refreshNow();
      });
  }

  function makeControls() {
    var box = byId('controls');
    var eavesdropper = el('button', { type: 'button', 'data-testid': 'control-eavesdropper' }, ['']);
    var channel = el('button', { type: 'button', 'data-testid': 'control-channel' }, ['']);
    var drain = el('button', { type: 'button', 'data-testid': 'control-drain' }, ['Drain both pools']);
    eavesdropper.addEventListener('click', function () {
      var on = !(last && last.link && last.link.eavesdropper);
      simulate(eavesdropper, 'PATCH', 'api/sim/v1/link', { eavesdropper: on }, on ? 'eavesdropper on' : 'eavesdropper off');
    });
    channel.addEventListener('click', function () {
      var down = !(last && last.link && last.link.quantum_channel === 'down');
      simulate(channel, 'PATCH', 'api/sim/v1/link', { quantum_channel: down ? 'down' : 'up' }, down ? 'quantum channel down' : 'quantum channel up');
    });
    drain.addEventListener('click', function () {
      simulate(drain, 'POST', 'api/sim/v1/pool/drain', undefined, 'pools drained');
    });
    replaceChildren(box, [
      el('h2', {}, ['Fault controls (operator)']),
      eavesdropper,
      channel,
      drain,
      el('span', { class: 'outcome', 'aria-live': 'polite' }, ['']),
    ]);
    return box;
  }

  function renderControls(data) {
    var box = byId('controls');
    var runsLink = data.link !== null && data.link.kme_id === data.kme.kme_id;
    if (!data.operator) {
      if (controls !== null) {
        replaceChildren(box, []);
        controls = null;
      }
      box.hidden = true;
      return;
    }
    box.hidden = false;
    if (!runsLink) {
      controls = null;
      replaceChildren(box, [
        el('p', { class: 'muted' }, [
          'Fault controls are on the dashboard of the KME that runs the link' +
            (data.link ? ' (' + data.link.kme_id + ').' : '.'),
        ]),
      ]);
      return;
    }
    if (controls === null) controls = makeControls();
    var eavesdropper = controls.querySelector('[data-testid="control-eavesdropper"]');
    var channel = controls.querySelector('[data-testid="control-channel"]');
    eavesdropper.textContent = data.link.eavesdropper ? 'Remove the eavesdropper' : 'Switch the eavesdropper on';
    channel.textContent =
      data.link.quantum_channel === 'down' ? 'Bring the quantum channel up' : 'Take the quantum channel down';
  }

  function renderErrors(kmes) {
    var codes = {};
    kmes.forEach(function (kme) {
      if (kme) Object.keys(kme.errors.by_status).forEach(function (code) { codes[code] = true; });
    });
    var list = Object.keys(codes).sort();
    var box = byId('errors');
    if (list.length === 0) {
      replaceChildren(box, [el('p', { class: 'muted' }, ['No error answers since the KMEs started.'])]);
      return;
    }
    var head = el('tr', {}, [el('th', {}, ['status'])].concat(kmes.map(function (kme, index) {
      return el('th', {}, [kme ? kme.kme_id : index === 0 ? selfId : peerId]);
    })));
    var rows = list.map(function (code) {
      return el('tr', { 'data-status': code }, [el('td', {}, [code])].concat(kmes.map(function (kme) {
        return el('td', {}, [kme ? number(kme.errors.by_status[code] || 0) : '?']);
      })));
    });
    replaceChildren(box, [el('table', {}, [el('thead', {}, [head]), el('tbody', {}, rows)])]);
  }

  function renderEvents(events) {
    var items = events.slice().reverse().map(function (event) {
      return el('li', { 'data-kind': event.kind }, [
        el('time', { datetime: event.at }, [clock(event.at)]),
        event.kme_id + ' ' + event.kind + ': ' + event.text,
      ]);
    });
    if (items.length === 0) items = [el('li', { class: 'muted' }, ['No events yet.'])];
    replaceChildren(byId('events'), items);
  }

  /** Series of several KMEs on one time axis: the union of their sample times, gaps as null. */
  function alignSeries(histories) {
    var times = {};
    histories.forEach(function (history) {
      if (history) history.t.forEach(function (t) { times[t] = true; });
    });
    var xs = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (t, i) { index[t] = i; });
    return {
      x: xs.map(function (t) { return t / 1000; }),
      column: function (history, values) {
        var out = xs.map(function () { return null; });
        if (history) history.t.forEach(function (t, i) { out[index[t]] = values(history)[i]; });
        return out;
      },
    };
  }

  function chartWidth(id) {
    return Math.max(280, byId(id).clientWidth || 400);
  }

  function drawChart(id, makeOptions, data) {
    if (typeof uPlot === 'undefined') return;
    if (!charts[id]) {
      var options = makeOptions();
      options.width = chartWidth(id);
      options.height = 220;
      charts[id] = new uPlot(options, data, byId(id));
    } else {
      charts[id].setData(data);
    }
  }

  var COLORS = ['#0969da', '#bf3989', '#1a7f37', '#cf222e'];

  function series(label, color, scale, dash) {
    var s = { label: label, stroke: color, width: 2, spanGaps: true, points: { show: false } };
    if (scale) s.scale = scale;
    if (dash) s.dash = [6, 4];
    return s;
  }

  function renderCharts(data) {
    var peerKme = data.peer.kme;
    var selfHistory = data.kme.history;
    var peerHistory = peerKme ? peerKme.history : null;
    var pools = alignSeries([selfHistory, peerHistory]);
    drawChart('chart-pools', function () {
      return {
        scales: { x: { time: true } },
        series: [{}, series(selfId, COLORS[0]), series(peerId, COLORS[1], null, true)],
        axes: [{}, { size: 70 }],
      };
    }, [
      pools.x,
      pools.column(selfHistory, function (h) { return h.available_bits; }),
      pools.column(peerHistory, function (h) { return h.available_bits; }),
    ]);
    var link = data.link;
    drawChart('chart-link', function () {
      return {
        scales: { x: { time: true }, rate: {}, qber: { range: [0, 50] } },
        series: [{}, series('secret key rate (bit/s)', COLORS[2], 'rate'), series('QBER (%)', COLORS[3], 'qber')],
        axes: [{}, { scale: 'rate', size: 70 }, { scale: 'qber', side: 1, grid: { show: false } }],
      };
    }, link === null ? [[], [], []] : [
      link.history.t.map(function (t) { return t / 1000; }),
      link.history.secret_key_rate_bps.slice(),
      link.history.qber.map(function (q) { return 100 * q; }),
    ]);
    var traffic = alignSeries([selfHistory, peerHistory]);
    drawChart('chart-traffic', function () {
      return {
        scales: { x: { time: true } },
        series: [{},
          series('keys/s ' + selfId, COLORS[0]), series('keys/s ' + peerId, COLORS[1], null, true),
          series('errors/s ' + selfId, COLORS[3]), series('errors/s ' + peerId, '#9a6700', null, true)],
        axes: [{}, { size: 60 }],
      };
    }, [
      traffic.x,
      traffic.column(selfHistory, function (h) { return h.keys_per_s; }),
      traffic.column(peerHistory, function (h) { return h.keys_per_s; }),
      traffic.column(selfHistory, function (h) { return h.errors_per_s; }),
      traffic.column(peerHistory, function (h) { return h.errors_per_s; }),
    ]);
  }

  function render(data) {
    last = data;
    renderKme(byId('kme-self'), data.kme, selfId, false, null);
    var peerNote = null;
    if (data.peer.state === 'unreachable') {
      peerNote = 'unreachable: ' + data.peer.error + (data.peer.read_at ? ' (figures of ' + clock(data.peer.read_at) + ')' : '');
    }
    renderKme(byId('kme-peer'), data.peer.kme, data.peer.kme_id || peerId, data.peer.state !== 'ok', peerNote);
    renderLink(data.link);
    renderControls(data);
    renderErrors([data.kme, data.peer.kme]);
    renderEvents(data.events);
    renderCharts(data);
  }

  function connection(ok, text) {
    var line = byId('connection');
    line.className = ok ? 'connection' : 'connection lost';
    line.textContent = text;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  function refreshNow() {
    if (!polling) schedule(0);
  }

  function poll() {
    if (polling) return;
    polling = true;
    var started = Date.now();
    fetch('dashboard/data', { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        render(data);
        connection(true, 'live, updated ' + clock(data.at));
      })
      .catch(function (error) {
        connection(false, 'no answer from ' + selfId + ': ' + error.message);
      })
      .then(function () {
        polling = false;
        schedule(Math.max(0, POLL_MS - (Date.now() - started)));
      });
  }

  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) {
      charts[id].setSize({ width: chartWidth(id), height: 220 });
    });
  });

  poll();
})();
`;
