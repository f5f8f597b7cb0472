// The chat page: asks POST ui/ask and shows the answer, its figure, source, chart and cited rows.
// No inline script or style, no request outside this origin, DOM built with textContent only.
'use strict';

(function () {
  const I18N = {
    en: {
      title: "Ask Malaysia's official statistics",
      skip: 'Skip to the question',
      langGroup: 'Language',
      label: 'Your question',
      ask: 'Ask',
      hint: 'Ask about a figure, a trend, a ranking or a comparison, in English or Malay.',
      examples: 'Try:',
      exampleQuestions: [
        'What was the unemployment rate in Sabah in 2022?',
        'How has the unemployment rate in Sabah changed since 2018?',
        'Which state had the highest unemployment rate in 2021?',
      ],
      answerHeading: 'Answer',
      copy: 'Copy citation',
      copied: 'Citation copied.',
      copyFailed: 'Could not copy; the citation is selected below, copy it with Ctrl+C.',
      rows: 'Cited rows',
      sql: 'SQL that fetched the figure',
      confidence: 'Confidence',
      confidenceText: (pct) => `${pct}% — how closely the question matched the published data.`,
      source: 'Source',
      asOf: 'data as of',
      period: 'Period',
      pp: 'percentage points',
      seriesPeriod: (last, first) => `${last} (latest of ${first} – ${last})`,
      row: 'Row',
      dataset: 'Dataset',
      text: 'Published row',
      thinking: 'Looking up the published figures…',
      empty: 'Type a question first.',
      rateLimited: (s) => `Too many questions from your address. Please wait ${s} seconds and ask again.`,
      failed: (m) => `The question could not be answered: ${m}`,
      network: 'The server could not be reached. Check your connection and try again.',
      chartLine: (m, u, n) => `Line chart of ${m}${u ? ' (' + u + ')' : ''}, ${n} periods.`,
      chartBars: (m, u, n) => `Bar chart of ${m}${u ? ' (' + u + ')' : ''}, ${n} values.`,
      refineIn: (q, p) => (/\b(19|20)\d{2}\b/.test(q) ? q : `${q.replace(/[?.!\s]+$/, '')} in ${p}?`),
      candidateQuestion: (m, f, p, t) => `What was the ${m}${f ? ' for ' + f : ''}${p ? ' in ' + p : ''} (${t})?`,
      failure: {
        empty_query: 'Type a question first.',
        no_documents: 'No data is loaded yet, so there is nothing to answer from.',
        low_confidence: 'I am not sure which published figure you mean. Did you mean one of these?',
        no_match: 'No published figure matches that question. Name the indicator, the place and the period, or try one of these:',
        period_not_available: 'That period is not in the data. Pick one it has:',
        ambiguous: 'The question fits more than one figure. Pick the one you mean:',
        value_not_available: 'The table has that row, but its figure is empty (not published).',
        incomparable_units: 'Those figures are in different units, so they cannot be combined.',
        other: 'The question could not be answered from the published data.',
      },
      footer: "Answers quote published rows of the Department of Statistics Malaysia's open data, with their source. Computed in the database; nothing is made up.",
    },
    ms: {
      title: 'Tanya statistik rasmi Malaysia',
      skip: 'Langkau ke soalan',
      langGroup: 'Bahasa',
      label: 'Soalan anda',
      ask: 'Tanya',
      hint: 'Tanya tentang angka, trend, kedudukan atau perbandingan, dalam bahasa Melayu atau Inggeris.',
      examples: 'Cuba:',
      exampleQuestions: [
        'Berapakah kadar pengangguran di Sabah pada 2022?',
        'Bagaimanakah kadar pengangguran di Sabah berubah sejak 2018?',
        'Negeri manakah yang mempunyai kadar pengangguran tertinggi pada 2021?',
      ],
      answerHeading: 'Jawapan',
      copy: 'Salin petikan',
      copied: 'Petikan disalin.',
      copyFailed: 'Tidak dapat menyalin; petikan dipilih di bawah, salin dengan Ctrl+C.',
      rows: 'Baris yang dipetik',
      sql: 'SQL yang mengambil angka ini',
      confidence: 'Keyakinan',
      confidenceText: (pct) => `${pct}% — sejauh mana soalan sepadan dengan data yang diterbitkan.`,
      source: 'Sumber',
      asOf: 'data setakat',
      period: 'Tempoh',
      pp: 'mata peratusan',
      seriesPeriod: (last, first) => `${last} (terkini, ${first} – ${last})`,
      row: 'Baris',
      dataset: 'Set data',
      text: 'Baris terbitan',
      thinking: 'Mencari angka yang diterbitkan…',
      empty: 'Taip soalan dahulu.',
      rateLimited: (s) => `Terlalu banyak soalan dari alamat anda. Sila tunggu ${s} saat dan tanya lagi.`,
      failed: (m) => `Soalan tidak dapat dijawab: ${m}`,
      network: 'Pelayan tidak dapat dihubungi. Semak sambungan anda dan cuba lagi.',
      chartLine: (m, u, n) => `Carta garis ${m}${u ? ' (' + u + ')' : ''}, ${n} tempoh.`,
      chartBars: (m, u, n) => `Carta bar ${m}${u ? ' (' + u + ')' : ''}, ${n} nilai.`,
      refineIn: (q, p) => (/\b(19|20)\d{2}\b/.test(q) ? q : `${q.replace(/[?.!\s]+$/, '')} pada ${p}?`),
      candidateQuestion: (m, f, p, t) => `Berapakah ${m}${f ? ' bagi ' + f : ''}${p ? ' pada ' + p : ''} (${t})?`,
      failure: {
        empty_query: 'Taip soalan dahulu.',
        no_documents: 'Belum ada data dimuatkan, jadi tiada apa untuk dijawab.',
        low_confidence: 'Saya tidak pasti angka terbitan yang anda maksudkan. Adakah salah satu daripada ini?',
        no_match: 'Tiada angka terbitan sepadan dengan soalan itu. Namakan penunjuk, tempat dan tempoh, atau cuba salah satu daripada ini:',
        period_not_available: 'Tempoh itu tiada dalam data. Pilih tempoh yang ada:',
        ambiguous: 'Soalan ini sesuai dengan lebih daripada satu angka. Pilih yang anda maksudkan:',
        value_not_available: 'Jadual mempunyai baris itu, tetapi angkanya kosong (tidak diterbitkan).',
        incomparable_units: 'Angka-angka itu dalam unit berbeza, jadi tidak boleh digabungkan.',
        other: 'Soalan tidak dapat dijawab daripada data yang diterbitkan.',
      },
      footer: 'Jawapan memetik baris terbitan data terbuka Jabatan Perangkaan Malaysia, bersama sumbernya. Dikira dalam pangkalan data; tiada yang direka.',
    },
  };

  const $ = (id) => document.getElementById(id);
  let lang = pickLang();
  let last = null; // {query, body}: the shown answer, re-drawn on a language switch or resize
  let busy = false;
  let asked = 0; // questions answered (or refused), in <body data-asked>: tests wait on it

  function pickLang() {
    try {
      const saved = window.localStorage.getItem('dosm_rag.lang');
      if (saved === 'en' || saved === 'ms') return saved;
    } catch (e) {
      // storage may be off: the browser's language decides
    }
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (const l of langs) {
      const tag = String(l).toLowerCase();
      if (tag.startsWith('ms') || tag.startsWith('zsm') || tag.startsWith('zlm')) return 'ms';
      if (tag.startsWith('en')) return 'en';
    }
    return 'en';
  }

  const t = (key) => I18N[lang][key];
  const locale = () => (lang === 'ms' ? 'ms-MY' : 'en-MY');

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t('title');
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
    for (const b of document.querySelectorAll('.lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    const ex = $('examples');
    for (const b of ex.querySelectorAll('button')) b.remove();
    for (const q of t('exampleQuestions')) {
      const b = el('button', { type: 'button', class: 'chip' }, q);
      b.addEventListener('click', () => ask(q));
      ex.appendChild(b);
    }
    if (last) render(last.query, last.body);
  }

  function setStatus(text, isError) {
    const s = $('status');
    s.textContent = text || '';
    s.classList.toggle('error', Boolean(isError));
  }

  async function ask(query) {
    const q = String(query || '').trim();
    $('q').value = q;
    if (!q) {
      setStatus(t('empty'), true);
      $('q').focus();
      return;
    }
    if (busy) return;
    busy = true;
    $('send').disabled = true;
    $('result').setAttribute('aria-busy', 'true');
    setStatus(t('thinking'), false);
    try {
      const response = await fetch('ui/ask', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ query: q, lang }),
        credentials: 'same-origin',
      });
      const body = await response.json().catch(() => null);
      if (response.status === 429) {
        const wait = parseInt(response.headers.get('Retry-After') || '60', 10);
        setStatus(t('rateLimited')(wait), true);
      } else if (!response.ok || !body || !body.prediction) {
        const msg = body && body.error ? body.error.message : `HTTP ${response.status}`;
        setStatus(t('failed')(msg), true);
      } else {
        setStatus('', false);
        last = { query: q, body };
        render(q, body);
      }
    } catch (e) {
      setStatus(t('network'), true);
    } finally {
      asked += 1;
      document.body.dataset.asked = String(asked);
      busy = false;
      $('send').disabled = false;
      $('result').setAttribute('aria-busy', 'false');
    }
  }

  // "percent" and "%" after the number, "RM" before it, other units after it.
  function withUnit(n, unit) {
    const num = formatNumber(n);
    if (!unit) return num;
    if (unit === '%') return `${num}%`;
    if (unit === 'RM' || unit.startsWith('RM ')) return `RM ${num}${unit.slice(2)}`;
    return `${num} ${unit}`;
  }

  function formatNumber(n) {
    if (typeof n !== 'number' || !Number.isFinite(n)) return String(n);
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(n);
  }

  function periodText(p) {
    if (!p) return '';
    const m = /^(\d{4})-01-01$/.exec(p);
    return m ? m[1] : p;
  }

  function render(query, body) {
    const a = body.prediction;
    $('result').hidden = false;
    const answer = $('answer');
    answer.textContent = a.answer || t('failure')[a.failure_mode] || t('failure').other;
    answer.setAttribute('lang', a.lang === 'ms' ? 'ms' : a.lang === 'en' ? 'en' : lang);
    renderFigure(a);
    renderNotice(query, a);
    renderSource(a);
    Chart.render(a, t, formatNumber, periodText);
    renderRows(a);
    $('sql').textContent = a.sql || '—';
    $('sql-details').hidden = !a.sql;
    const pct = Math.round((Number(a.confidence) || 0) * 100);
    $('confidence').textContent = t('confidenceText')(pct);
    $('copy').hidden = !(a.dataset && !a.failure_mode);
    $('copy-status').textContent = '';
  }

  function renderFigure(a) {
    const show = !a.failure_mode && typeof a.value === 'number';
    $('figure').hidden = !show;
    if (!show) return;
    const h = headline(a);
    if (h.unit === 'RM' || h.unit.startsWith('RM ')) {
      $('value').textContent = `RM ${h.number}`;
      $('unit').textContent = h.unit.slice(3);
    } else {
      $('value').textContent = h.number;
      $('unit').textContent = h.unit;
    }
    $('period').textContent = h.period;
  }

  // The big number and what it is: a change or a comparison's difference is signed, in its own
  // unit (percentage points for a rate); a series' number is its last value.
  function headline(a) {
    const op = a.operation;
    const periods = (Array.isArray(a.periods) ? a.periods : []).map(periodText);
    const r = a.result || {};
    const values = Array.isArray(a.values) ? a.values : [];
    const first = periods[0];
    const lastP = periods[periods.length - 1];
    if (op === 'change' || op === 'comparison') {
      const sign = a.value > 0 ? '+' : '';
      const unit = r.difference_unit || a.unit || '';
      const members = values.map((v) => v.member || v.label).filter(Boolean);
      const period = op === 'change'
        ? `${first} → ${lastP}`
        : `${members.slice(0, 2).join(' − ')}${lastP ? ', ' + lastP : ''}`;
      return { number: sign + formatNumber(a.value), unit: unit === 'percentage points' ? t('pp') : unit, period };
    }
    if (op === 'series' && periods.length > 1) {
      return { number: formatNumber(a.value), unit: a.unit || '', period: t('seriesPeriod')(lastP, first) };
    }
    if (op === 'ranking' && values.length) {
      const top = values[0].member || values[0].label || '';
      return { number: formatNumber(a.value), unit: a.unit || '', period: [top, periodText(a.period) || lastP].filter(Boolean).join(', ') };
    }
    return { number: formatNumber(a.value), unit: a.unit || '', period: periodText(a.period) || lastP || '' };
  }

  function renderNotice(query, a) {
    const box = $('notice');
    const refine = $('refine');
    refine.replaceChildren();
    if (!a.failure_mode) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const texts = t('failure');
    $('notice-text').textContent = texts[a.failure_mode] || texts.other;
    const period = (/\b(?:Q[1-4]\s+)?(?:19|20)\d{2}(?:-(?:Q[1-4]|\d{2}))?\b/i.exec(query) || [''])[0];
    for (const p of a.available_periods || []) {
      const label = periodText(p);
      const question = period ? query.replace(period, label) : t('refineIn')(query, label);
      addRefine(refine, label, question);
    }
    for (const c of a.candidates || []) {
      const filters = Object.values(c.filters || {}).join(', ');
      const measure = c.measure_title || c.measure || '';
      const question = t('candidateQuestion')(measure, filters, period, c.title || c.dataset);
      const label = [measure, filters].filter(Boolean).join(' · ') + (c.title ? ` — ${c.title}` : '');
      addRefine(refine, label, question);
    }
  }

  function addRefine(parent, label, question) {
    const b = el('button', { type: 'button', 'data-question': question }, label);
    b.addEventListener('click', () => {
      ask(question).then(() => $('answer-heading').focus());
    });
    parent.appendChild(b);
  }

  function renderSource(a) {
    const p = $('source');
    p.replaceChildren();
    const d = a.dataset;
    if (!d || !d.id) {
      p.hidden = true;
      return;
    }
    p.hidden = false;
    p.appendChild(document.createTextNode(`${t('source')}: `));
    const title = (lang === 'ms' && d.title_ms) || d.title || d.id;
    const url = d.source_url || d.url;
    if (url && /^https?:\/\//i.test(url)) {
      p.appendChild(el('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, title));
    } else {
      p.appendChild(el('strong', {}, title));
    }
    if (d.data_as_of) {
      p.appendChild(document.createTextNode(' · '));
      p.appendChild(el('span', { class: 'asof' }, `${t('asOf')} ${d.data_as_of}`));
    }
  }

  function renderRows(a) {
    const wrap = $('rows');
    wrap.replaceChildren();
    const cites = Array.isArray(a.citations) ? a.citations : [];
    $('rows-details').hidden = cites.length === 0;
    if (!cites.length) return;
    const table = el('table');
    const head = el('tr');
    for (const h of [t('row'), t('dataset'), t('text')]) head.appendChild(el('th', { scope: 'col' }, h));
    table.appendChild(el('thead')).appendChild(head);
    const tbody = table.appendChild(el('tbody'));
    for (const c of cites) {
      const tr = el('tr');
      tr.appendChild(el('td', {}, c.page_or_row));
      tr.appendChild(el('td', {}, c.title || c.source));
      tr.appendChild(el('td', {}, c.snippet));
      tbody.appendChild(tr);
    }
    wrap.appendChild(table);
  }

  function citation(a) {
    const d = a.dataset || {};
    const rows = (a.citations || []).map((c) => c.page_or_row).join(', ');
    const parts = [
      d.title || d.id,
      `${d.id}, ${lang === 'ms' ? 'baris' : 'rows'} ${rows}`,
      d.data_as_of ? `${t('asOf')} ${d.data_as_of}` : null,
      d.source_url || d.url || null,
      `${lang === 'ms' ? 'Dipetik' : 'Retrieved'} ${new Date().toISOString().slice(0, 10)}`,
    ].filter(Boolean);
    return `"${a.answer}" — ${parts.join('. ')}.`;
  }

  async function copyCitation() {
    if (!last) return;
    const text = citation(last.body.prediction);
    const status = $('copy-status');
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = t('copied');
    } catch (e) {
      // no clipboard permission (or an old browser): select the text for the person to copy
      const area = el('textarea', { readonly: '', rows: '3', class: 'copy-fallback', 'aria-label': t('copy') });
      area.value = text;
      status.replaceChildren(document.createTextNode(t('copyFailed')), area);
      area.focus();
      area.select();
    }
  }

  let resizeTimer = null;
  function onResize() {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (last) Chart.render(last.body.prediction, t, formatNumber, periodText);
    }, 150);
  }

  function start() {
    applyLang();
    for (const b of document.querySelectorAll('.lang button')) {
      b.addEventListener('click', () => {
        lang = b.dataset.lang;
        try {
          window.localStorage.setItem('dosm_rag.lang', lang);
        } catch (e) {
          // not kept: fine
        }
        applyLang();
      });
    }
    $('ask').addEventListener('submit', (ev) => {
      ev.preventDefault();
      ask($('q').value);
    });
    $('copy').addEventListener('click', copyCitation);
    window.addEventListener('resize', onResize);
    const initial = new URLSearchParams(window.location.search).get('q');
    if (initial) ask(initial);
  }

  // ---- charts: SVG drawn from the answer's own values ------------------------------------------
  const SVG = 'http://www.w3.org/2000/svg';
  const Chart = {
    render(a, tr, fmt, periodText) {
      const fig = $('chart');
      const box = $('chart-svg');
      box.replaceChildren();
      const kind = chartKind(a);
      if (!kind) {
        fig.hidden = true;
        return;
      }
      fig.hidden = false;
      const width = Math.max(280, Math.min(box.clientWidth || fig.clientWidth || 640, 900));
      const title = (a.measure && (lang === 'ms' ? a.measure.title_ms || a.measure.title : a.measure.title)) || '';
      const measure = title.replace(/\s*\([^)]*\)\s*$/, ''); // "Unemployment Rate (%)": the unit is said apart
      const unit = a.unit || '';
      const points = a.values.filter((v) => typeof v.value === 'number');
      const svg = kind === 'line'
        ? lineChart(points, width, unit, axisTitle(title, unit), tr, fmt, periodText)
        : barChart(points, width, unit, axisTitle(title, unit), fmt);
      const captionText = (kind === 'line' ? tr('chartLine') : tr('chartBars'))(measure, unit, points.length);
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', captionText);
      box.appendChild(svg);
      $('chart-caption').textContent = captionText;
      fig.dataset.kind = kind;
      fig.dataset.points = String(points.length);
    },
  };

  // "Unemployment Rate (%)" names the axis better than "%" alone, if it fits.
  function axisTitle(title, unit) {
    if (title && title.length <= 40) return /\(/.test(title) || !unit ? title : `${title} (${unit})`;
    return unit || ' ';
  }

  function chartKind(a) {
    if (a.failure_mode || !Array.isArray(a.values)) return null;
    const n = a.values.filter((v) => typeof v.value === 'number').length;
    if (n < 2) return null;
    if (a.operation === 'series' || a.operation === 'change') return 'line';
    if (a.operation === 'ranking' || a.operation === 'comparison') return 'bars';
    return null;
  }

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  // About `count` round steps covering [lo, hi].
  function ticks(lo, hi, count) {
    if (lo === hi) {
      lo -= Math.abs(lo) * 0.1 || 1;
      hi += Math.abs(hi) * 0.1 || 1;
    }
    const raw = (hi - lo) / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const out = [Number((Math.floor(lo / step) * step).toPrecision(12))];
    // up to the first step at or above the highest value, so that every point is inside the axis
    while (out[out.length - 1] < hi - step * 1e-9) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
    return out;
  }

  function lineChart(points, width, unit, yTitle, tr, fmt, periodText) {
    const height = Math.round(Math.min(360, Math.max(220, width * 0.5)));
    const values = points.map((p) => p.value);
    const ys = ticks(Math.min(...values), Math.max(...values), 5);
    const widest = Math.max(...ys.map((v) => fmt(v).length));
    const m = { top: 16, right: 20, bottom: 52, left: Math.max(48, widest * 7.5 + 34) };
    const w = width - m.left - m.right;
    const h = height - m.top - m.bottom;
    const y0 = ys[0];
    const y1 = ys[ys.length - 1];
    const x = (i) => m.left + (points.length === 1 ? w / 2 : (i * w) / (points.length - 1));
    const y = (v) => m.top + h - ((v - y0) / (y1 - y0)) * h;
    const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'line-chart' });
    const grid = svg.appendChild(svgEl('g', { class: 'grid' }));
    const axis = svg.appendChild(svgEl('g', { class: 'axis', 'aria-hidden': 'true' }));
    for (const v of ys) {
      grid.appendChild(svgEl('line', { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v) }));
      axis.appendChild(svgEl('text', { x: m.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    }
    axis.appendChild(svgEl('line', { x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h }));
    const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(w / 64))));
    points.forEach((p, i) => {
      if (i % every === 0 || i === points.length - 1) {
        axis.appendChild(svgEl('text', { x: x(i), y: m.top + h + 18, 'text-anchor': 'middle' }, periodText(p.period)));
      }
    });
    axis.appendChild(svgEl('text', { class: 'axis-title', x: m.left + w / 2, y: height - 8, 'text-anchor': 'middle' }, tr('period')));
    axis.appendChild(svgEl('text', {
      class: 'axis-title', transform: `translate(14 ${m.top + h / 2}) rotate(-90)`, 'text-anchor': 'middle',
    }, yTitle));
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    svg.appendChild(svgEl('path', { class: 'line', d }));
    const dots = svg.appendChild(svgEl('g', { class: 'points' }));
    points.forEach((p, i) => {
      const c = dots.appendChild(svgEl('circle', { class: 'point', cx: x(i), cy: y(p.value), r: 4.5, 'data-period': p.period }));
      c.appendChild(svgEl('title', {}, `${periodText(p.period)}: ${withUnit(p.value, unit)}`));
    });
    return svg;
  }

  function barChart(points, width, unit, xTitle, fmt) {
    const labels = points.map((p) => p.member || p.label || periodText(p.period) || '');
    const longest = Math.max(...labels.map((l) => l.length));
    const m = { top: 8, right: 72, bottom: 40, left: Math.min(Math.max(60, longest * 7.5 + 12), width * 0.4) };
    const barH = 26;
    const gap = 10;
    const h = points.length * (barH + gap);
    const height = m.top + h + m.bottom;
    const w = width - m.left - m.right;
    const values = points.map((p) => p.value);
    const lo = Math.min(0, ...values);
    const xs = ticks(lo, Math.max(0, ...values), Math.max(2, Math.floor(w / 90)));
    const x0 = xs[0];
    const x1 = xs[xs.length - 1];
    const x = (v) => m.left + ((v - x0) / (x1 - x0)) * w;
    const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'bar-chart' });
    const grid = svg.appendChild(svgEl('g', { class: 'grid' }));
    const axis = svg.appendChild(svgEl('g', { class: 'axis', 'aria-hidden': 'true' }));
    for (const v of xs) {
      grid.appendChild(svgEl('line', { x1: x(v), x2: x(v), y1: m.top, y2: m.top + h }));
      axis.appendChild(svgEl('text', { x: x(v), y: m.top + h + 16, 'text-anchor': 'middle' }, fmt(v)));
    }
    axis.appendChild(svgEl('text', { class: 'axis-title', x: m.left + w / 2, y: height - 6, 'text-anchor': 'middle' }, xTitle));
    const bars = svg.appendChild(svgEl('g', { class: 'bars' }));
    points.forEach((p, i) => {
      const top = m.top + i * (barH + gap);
      const left = x(Math.min(0, p.value));
      const bw = Math.max(1, Math.abs(x(p.value) - x(0)));
      axis.appendChild(svgEl('text', { x: m.left - 8, y: top + barH / 2 + 4, 'text-anchor': 'end' }, labels[i]));
      const r = bars.appendChild(svgEl('rect', { class: i === 0 ? 'bar first' : 'bar', x: left, y: top, width: bw, height: barH, rx: 3 }));
      r.appendChild(svgEl('title', {}, `${labels[i]}: ${withUnit(p.value, unit)}`));
      bars.appendChild(svgEl('text', { class: 'bar-value', x: x(Math.max(0, p.value)) + 6, y: top + barH / 2 + 4 }, fmt(p.value)));
    });
    axis.appendChild(svgEl('line', { x1: x(0), x2: x(0), y1: m.top, y2: m.top + h }));
    return svg;
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
