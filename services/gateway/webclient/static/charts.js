// Weekly statistics (R-STAT-1) as pictures and tables: bar charts drawn as inline SVG with DOM APIs
// (no library, no inline styles: colours come from classes in app.css), each with a table of the
// same numbers beside it, so the figures are readable by a screen reader and on paper.
import { h, uid } from './dom.js';
import { roleTitle } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
// A small viewBox keeps the text readable when a phone scales the picture down.
const WIDTH = 400;
const HEIGHT = 220;
const PAD = { top: 14, right: 8, bottom: 30, left: 36 };

function svg(tag, attributes = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value));
  for (const child of children) {
    if (child === null || child === undefined) continue;
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** "2026-11-23" → "23.11" (the Monday a week starts on). */
export function weekLabel(isoDate) {
  const [, month, day] = isoDate.split('-');
  return `${day}.${month}`;
}

/** A week as a reader says it: "23.11.2026 – 29.11.2026". */
export function weekTitle(isoDate) {
  const start = new Date(`${isoDate}T00:00:00Z`);
  const end = new Date(start.getTime() + 6 * 24 * 3600 * 1000);
  const format = (d) => d.toLocaleDateString('ru-RU', { timeZone: 'UTC' });
  return `${format(start)} – ${format(end)}`;
}

function short(label, length = 24) {
  return label.length > length ? `${label.slice(0, length - 1)}…` : label;
}

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * step >= value) return k * step;
  return value;
}

/** A bar chart: `bars` are [{label, value, title}], `title` names the figure. */
export function barChart({ title, bars, unit = '' }) {
  const titleId = uid('chart');
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(4, slot * 0.7);
  const y = (v) => PAD.top + plotH - (v / max) * plotH;

  const grid = [0, 0.5, 1].map((part) => {
    const value = Math.round(max * part);
    return svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value) }),
      svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'chart-axis' }, String(value)),
    );
  });
  const every = Math.ceil(bars.length / 6); // at most 6 labels under the bars
  const drawn = bars.map((bar, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const top = y(bar.value);
    return svg(
      'g',
      {},
      svg(
        'rect',
        { class: 'chart-bar', x, y: top, width: barW, height: Math.max(0, PAD.top + plotH - top) },
        svg('title', {}, `${bar.title || bar.label}: ${bar.value}${unit}`),
      ),
      i % every === 0
        ? svg('text', { x: x + barW / 2, y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle', class: 'chart-axis' }, bar.label)
        : null,
    );
  });
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': titleId, class: 'chart', preserveAspectRatio: 'xMidYMid meet' },
    svg('title', { id: titleId }, title),
    ...grid,
    svg('line', { class: 'chart-base', x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }),
    ...drawn,
  );
  return picture;
}

/** A horizontal bar chart with the labels on the left (e.g. roles): `bars` are [{label, value}]. */
export function hbarChart({ title, bars }) {
  const titleId = uid('chart');
  const row = 24;
  const labelW = 150;
  const height = 8 + bars.length * row;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const plotW = WIDTH - labelW - 40;
  const drawn = bars.map((bar, i) => {
    const top = 4 + i * row;
    const width = (bar.value / max) * plotW;
    return svg(
      'g',
      {},
      svg('text', { x: labelW - 6, y: top + row / 2 + 4, 'text-anchor': 'end', class: 'chart-axis' }, short(bar.label)),
      svg('rect', { class: 'chart-bar', x: labelW, y: top + 4, width: Math.max(0, width), height: row - 8 }, svg('title', {}, `${bar.label}: ${bar.value}`)),
      svg('text', { x: labelW + width + 4, y: top + row / 2 + 4, class: 'chart-axis' }, String(bar.value)),
    );
  });
  return svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-labelledby': titleId, class: 'chart', preserveAspectRatio: 'xMidYMid meet' },
    svg('title', { id: titleId }, title),
    svg('line', { class: 'chart-base', x1: labelW, x2: labelW, y1: 0, y2: height }),
    ...drawn,
  );
}

/** A table with a caption: `head` is a list of column titles, `rows` lists of cells. */
export function dataTable(caption, head, rows) {
  // A wide table scrolls sideways on a phone: the keyboard must reach it too (a focusable region).
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      { class: 'data' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, head.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first), rest.map((cell) => h('td', {}, String(cell))))),
      ),
    ),
  );
}

/** A figure: its heading, the chart, and the table with the same numbers. */
export function chartFigure(heading, chart, table, { stacked = false } = {}) {
  const id = uid('fig');
  return h(
    'figure',
    { class: 'card chart-figure', 'aria-labelledby': id },
    h('h2', { id }, heading),
    h('div', { class: stacked ? 'chart-pair stacked' : 'chart-pair' }, chart, table),
  );
}

/** The usual figures of a list of weeks: messages, active people, members by role. */
export function weeklyFigures(weeks) {
  const perWeek = (key, title) => {
    const bars = weeks.map((w) => ({ label: weekLabel(w.week_start), title: weekTitle(w.week_start), value: w[key] }));
    return chartFigure(
      title,
      barChart({ title: `${title} по неделям`, bars }),
      dataTable(`${title} по неделям`, ['Неделя', title], weeks.map((w) => [weekTitle(w.week_start), w[key]])),
    );
  };
  const last = weeks[weeks.length - 1];
  const roles = last ? last.roles : [];
  const byRole = chartFigure(
    'Участники по ролям',
    hbarChart({
      title: 'Участники по ролям на конец последней недели',
      bars: roles.map((r) => ({ label: roleTitle(r.role), value: r.total })),
    }),
    dataTable(
      last ? `Участники по ролям, неделя ${weekTitle(last.week_start)}` : 'Участники по ролям',
      ['Роль', 'Вступили за неделю', 'Всего на конец недели'],
      roles.map((r) => [roleTitle(r.role), r.joined, r.total]),
    ),
  );
  return [perWeek('messages', 'Сообщения'), perWeek('active_users', 'Активные участники'), byRole];
}

/** Every counter of every week in one table. */
export function weeksTable(caption, weeks) {
  return dataTable(
    caption,
    ['Неделя', 'Новые участники', 'Участников', 'Активные', 'Сообщения', 'Новые чаты', 'Звонки', 'Минуты звонков'],
    weeks.map((w) => [
      weekTitle(w.week_start),
      w.members_joined,
      w.members_total,
      w.active_users,
      w.messages,
      w.chats_created,
      w.calls,
      w.call_minutes,
    ]),
  );
}
