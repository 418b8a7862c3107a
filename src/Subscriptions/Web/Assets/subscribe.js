// Enhancements for the subscribe and manage forms. Everything works without them: they only guess
// the time zone, hide the weekday when it does not apply, focus the error summary, and preview
// what the topics would have matched. Served as a file because the CSP allows no inline script.
(function () {
  'use strict';

  // The browser knows its IANA zone; the server's default is UTC. Only on a fresh form.
  var zone = document.querySelector('select[data-guess-zone]');
  if (zone && window.Intl && Intl.DateTimeFormat) {
    var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (guess) {
      var known = Array.prototype.some.call(zone.options, function (o) { return o.value === guess; });
      if (!known) zone.add(new Option(guess.replace(/_/g, ' '), guess), 0);
      zone.value = guess;
    }
  }

  // The weekday only matters for the weekly digest.
  var weekday = document.getElementById('weekday-field');
  var radios = document.querySelectorAll('input[name=frequency]');
  function showWeekday() {
    var weekly = document.getElementById('frequency-weekly');
    if (weekday && weekly) weekday.hidden = !weekly.checked && !weekday.classList.contains('field--invalid');
  }
  Array.prototype.forEach.call(radios, function (r) { r.addEventListener('change', showWeekday); });
  showWeekday();

  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();

  // Live preview: what each topic would have matched in the last days, as it is typed.
  var topics = document.getElementById('topics');
  var preview = document.getElementById('topics-preview');
  if (!topics || !preview || !window.fetch) return;
  var timer = null, last = null, pending = null;

  function element(tag, text, className) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    if (className) e.className = className;
    return e;
  }

  function render(data) {
    preview.textContent = '';
    if (data.errors.length) {
      data.errors.forEach(function (message) { preview.appendChild(element('p', message, 'preview-error')); });
    } else {
      preview.appendChild(element('p', 'In the last ' + data.days + ' days these topics would have matched:'));
      data.topics.forEach(function (t) {
        var block = element('div', null, 'preview-topic');
        var line = element('p');
        line.appendChild(element('code', t.topic));
        line.appendChild(document.createTextNode(' — ' + (t.count === 1 ? '1 paper' : t.count + ' papers')));
        block.appendChild(line);
        if (t.titles.length) {
          var list = element('ul');
          t.titles.forEach(function (title) { list.appendChild(element('li', title)); });
          block.appendChild(list);
        }
        preview.appendChild(block);
      });
    }
    preview.hidden = false;
  }

  function update() {
    var text = topics.value.trim();
    if (text === last) return;
    last = text;
    if (pending) pending.abort();
    if (!text) { preview.hidden = true; preview.textContent = ''; return; }
    pending = new AbortController();
    fetch('/preview?topics=' + encodeURIComponent(text), { signal: pending.signal, headers: { Accept: 'application/json' } })
      .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
      .then(render)
      .catch(function (error) {
        if (error.name === 'AbortError') return;
        preview.textContent = '';
        preview.appendChild(element('p', 'The preview is not available right now; you can subscribe anyway.'));
        preview.hidden = false;
      });
  }

  topics.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 350);
  });
  update();
})();
