// The operator's statistics across its organisations (R-STAT-1): the sum per week as charts with
// tables, and every organisation's numbers for a chosen week; a CSV export of all of it.
import { api, request } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, download, field, messageArea } from '../ui.js';
import { chartFigure, dataTable, hbarChart, weeklyFigures, weeksTable, weekTitle } from '../charts.js';

const WEEK_CHOICES = [['4', '4 недели'], ['12', '12 недель'], ['26', 'полгода'], ['52', 'год']];

/** The operator console's tabs: applications and statistics. */
export function operatorTabs(current) {
  const tab = (key, href, title) => h('a', { href, 'data-link': true, 'aria-current': key === current ? 'page' : undefined }, title);
  return h('nav', { class: 'tabs', 'aria-label': 'Разделы оператора' }, tab('applications', '/operator', 'Заявки'), tab('statistics', '/operator/statistics', 'Статистика'), tab('support', '/operator/support', 'Обращения'));
}

export async function render(main) {
  const messages = messageArea();
  const weeks = field('Период', { name: 'weeks', value: '12' }, { kind: 'select', options: WEEK_CHOICES });
  weeks.input.value = '12';
  const exportButton = h('button', { type: 'button', class: 'secondary' }, 'Скачать CSV');
  exportButton.addEventListener('click', () =>
    busy(exportButton, async () => {
      const response = await request('GET', `/operator/statistics?weeks=${weeks.input.value}&format=csv`, { raw: true });
      download(await response.blob(), 'statistika-organizaciy.csv');
    }, messages),
  );
  const content = h('div', { class: 'statistics' });
  weeks.input.addEventListener('change', () => fill());
  replace(
    main,
    h('h1', {}, 'Статистика организаций'),
    operatorTabs('statistics'),
    h('p', { class: 'hint' }, 'Сумма по всем организациям по неделям и показатели каждой организации за выбранную неделю.'),
    h('div', { class: 'stats-toolbar' }, weeks.row, exportButton),
    messages.el,
    content,
  );

  async function fill() {
    const report = await api.get(`/operator/statistics?weeks=${weeks.input.value}`);
    const breakdown = h('div', {});
    const weekChoice = field(
      'Неделя',
      { name: 'week' },
      { kind: 'select', options: report.totals.map((w, i) => [String(i), weekTitle(w.week_start)]).reverse() },
    );
    weekChoice.input.value = String(report.totals.length - 1);
    weekChoice.input.addEventListener('change', () => showWeek(Number(weekChoice.input.value)));

    function showWeek(index) {
      const rows = report.organisations.map((o) => [o.name || o.organisation_id, o.weeks[index]]);
      const title = `Сообщения по организациям, неделя ${weekTitle(report.totals[index].week_start)}`;
      replace(
        breakdown,
        chartFigure(
          'По организациям',
          hbarChart({ title, bars: rows.map(([name, w]) => ({ label: name, value: w.messages })) }),
          dataTable(
            `Показатели организаций, неделя ${weekTitle(report.totals[index].week_start)}`,
            ['Организация', 'Новые участники', 'Участников', 'Активные', 'Сообщения', 'Новые чаты', 'Звонки', 'Минуты звонков'],
            rows.map(([name, w]) => [name, w.members_joined, w.members_total, w.active_users, w.messages, w.chats_created, w.calls, w.call_minutes]),
          ),
          { stacked: true },
        ),
      );
    }

    replace(
      content,
      h('h2', {}, 'Все организации'),
      weeklyFigures(report.totals),
      h('section', { class: 'card', 'aria-label': 'Все показатели' }, weeksTable('Все показатели по неделям, сумма по организациям', report.totals)),
      h('h2', {}, 'Организации за неделю'),
      report.organisations.length === 0 ? h('p', { class: 'muted' }, 'Организаций пока нет.') : [h('div', { class: 'stats-toolbar' }, weekChoice.row), breakdown],
    );
    if (report.organisations.length > 0) showWeek(report.totals.length - 1);
  }
  await fill();
}
