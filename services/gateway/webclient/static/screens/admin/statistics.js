// Weekly statistics of the organisation (R-STAT-1): for its administrator and its head — messages
// and active people per week, members by role, every counter in a table, a CSV export.
import { api, request } from '../../api.js';
import { h, replace } from '../../dom.js';
import { busy, download, field, messageArea } from '../../ui.js';
import { weeklyFigures, weeksTable } from '../../charts.js';
import { zoneTitle } from '../../time_zones.js';

const WEEK_CHOICES = [['4', '4 недели'], ['12', '12 недель'], ['26', 'полгода'], ['52', 'год']];

export async function render(body, ctx) {
  const org = ctx.organisation;
  const messages = messageArea();
  const weeks = field('Период', { name: 'weeks', value: '12' }, { kind: 'select', options: WEEK_CHOICES });
  weeks.input.value = '12';
  const exportButton = h('button', { type: 'button', class: 'secondary' }, 'Скачать CSV');
  exportButton.addEventListener('click', () =>
    busy(exportButton, async () => {
      const response = await request('GET', `/orgs/${org.id}/statistics?weeks=${weeks.input.value}&format=csv`, { raw: true });
      download(await response.blob(), 'статистика.csv');
    }, messages),
  );
  const content = h('div', { class: 'statistics' });
  weeks.input.addEventListener('change', () => fill());
  replace(
    body,
    h(
      'section',
      { class: 'card statistics-head', 'aria-labelledby': 'stats-title' },
      h('h2', { id: 'stats-title' }, 'Статистика по неделям'),
      h('p', { class: 'hint' }, 'Для еженедельного контроля: недели с понедельника по воскресенье по времени организации.'),
      h('div', { class: 'stats-toolbar' }, weeks.row, exportButton),
      messages.el,
    ),
    content,
  );

  async function fill() {
    const report = await api.get(`/orgs/${org.id}/statistics?weeks=${weeks.input.value}`);
    replace(
      content,
      h('p', { class: 'muted' }, `Часовой пояс: ${zoneTitle(report.time_zone)}`),
      weeklyFigures(report.weeks),
      h('section', { class: 'card', 'aria-label': 'Все показатели' }, weeksTable('Все показатели по неделям', report.weeks)),
    );
  }
  await fill();
}
