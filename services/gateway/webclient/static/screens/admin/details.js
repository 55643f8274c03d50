// The organisation's details (R-ORG-4) and the electronic journal link (R-ORG-7).
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { field, form, messageArea, section } from '../../ui.js';
import { TIME_ZONES, zoneTitle } from '../../time_zones.js';
import { quietHoursSection } from './quiet_hours.js';

export function render(body, ctx) {
  const org = ctx.organisation;
  const messages = messageArea();
  const name = field('Название', { name: 'name', required: true, maxlength: '300', value: org.name });
  const address = field('Адрес', { name: 'address', maxlength: '300', value: org.address });
  // By a city in Russian; a zone set earlier outside the list stays chosen until changed.
  const zoneChoices = TIME_ZONES.some(([id]) => id === org.time_zone) ? TIME_ZONES : [[org.time_zone, `Текущий: ${zoneTitle(org.time_zone)}`], ...TIME_ZONES];
  const zone = field('Часовой пояс', { name: 'time_zone', value: org.time_zone }, { kind: 'select', options: zoneChoices, hint: 'По нему считаются тихие часы и недели в статистике.' });
  const journal = field('Ссылка на электронный журнал и дневник', { name: 'journal_url', type: 'url', maxlength: '500', value: org.journal_url, placeholder: 'https://' }, { hint: 'Участники увидят её на странице организации.' });
  const el = form(
    { class: 'stack', 'aria-label': 'Реквизиты' },
    [name.row, address.row, zone.row, journal.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Сохранить'))],
    async () => {
      await api.patch(`/orgs/${org.id}`, {
        name: name.input.value.trim(),
        address: address.input.value.trim(),
        time_zone: zone.input.value,
        journal_url: journal.input.value.trim(),
      });
      await ctx.reload({ flash: 'Реквизиты сохранены' });
    },
    messages,
  );
  replace(
    body,
    section('Реквизиты организации', el, messages.el),
    quietHoursSection(org.id),
    section('Код для заявок на вступление', h('p', {}, 'Сообщите его тем, у кого нет ссылки-приглашения: ', h('strong', { class: 'code' }, org.join_code || '—'))),
  );
}
