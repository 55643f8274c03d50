// The organisation's details (R-ORG-4) and the electronic journal link (R-ORG-7).
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { field, form, messageArea, section } from '../../ui.js';
import { quietHoursSection } from './quiet_hours.js';

export function render(body, ctx) {
  const org = ctx.organisation;
  const messages = messageArea();
  const name = field('Название', { name: 'name', required: true, maxlength: '300', value: org.name });
  const address = field('Адрес', { name: 'address', maxlength: '300', value: org.address });
  const zone = field('Часовой пояс', { name: 'time_zone', maxlength: '64', value: org.time_zone, list: 'time-zones' }, { hint: 'Например, Europe/Moscow или Asia/Yekaterinburg.' });
  const zones = h('datalist', { id: 'time-zones' },
    ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk', 'Asia/Novosibirsk', 'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka'].map((z) => h('option', { value: z })));
  const journal = field('Ссылка на электронный журнал и дневник', { name: 'journal_url', type: 'url', maxlength: '500', value: org.journal_url, placeholder: 'https://' }, { hint: 'Участники увидят её на странице организации.' });
  const el = form(
    { class: 'stack', 'aria-label': 'Реквизиты' },
    [name.row, address.row, zone.row, zones, journal.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Сохранить'))],
    async () => {
      await api.patch(`/orgs/${org.id}`, {
        name: name.input.value.trim(),
        address: address.input.value.trim(),
        time_zone: zone.input.value.trim(),
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
