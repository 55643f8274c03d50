// Quiet hours of the organisation (GET/PUT /api/v1/orgs/{org}/quiet-hours): no push notifications to
// students between these times on the organisation's clock. The administrator's only.
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { checkbox, field, form, messageArea, section } from '../../ui.js';
import { zoneTitle } from '../../time_zones.js';

function renderForm(container, orgId, hours, flash = '') {
  const messages = messageArea();
  if (flash) messages.ok(flash);
  const enabled = checkbox('Не присылать ученикам уведомления в тихие часы', { name: 'enabled', checked: hours.enabled });
  const start = field('Начало', { name: 'start', type: 'time', required: true, value: hours.start });
  const end = field('Конец', { name: 'end', type: 'time', required: true, value: hours.end });
  const el = form(
    { class: 'stack', 'aria-label': 'Тихие часы' },
    [enabled.row, start.row, end.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Применить'))],
    async () => {
      const saved = await api.put(`/orgs/${encodeURIComponent(orgId)}/quiet-hours`, {
        enabled: enabled.input.checked,
        start: start.input.value,
        end: end.input.value,
      });
      renderForm(container, orgId, saved, 'Тихие часы сохранены');
    },
    messages,
  );
  replace(
    container,
    h('p', { class: 'hint' }, `По часовому поясу организации: ${zoneTitle(hours.time_zone)}. Учителя, родители и администрация получают уведомления всегда; сообщения ученикам ждут в чате.`),
    el,
    messages.el,
  );
}

/** The «Тихие часы» card; it fills itself once the settings arrive. */
export function quietHoursSection(orgId) {
  const body = h('div', {}, h('p', {}, 'Загрузка…'));
  api.get(`/orgs/${encodeURIComponent(orgId)}/quiet-hours`).then(
    (hours) => renderForm(body, orgId, hours),
    (error) => {
      const messages = messageArea();
      messages.error(error);
      replace(body, messages.el);
    },
  );
  return section('Тихие часы', body);
}
