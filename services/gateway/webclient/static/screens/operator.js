// The operator's console: organisations' applications (R-ORG-2), approve, reject with a reason,
// the appointing order as a download.
import { api, request } from '../api.js';
import { h, replace } from '../dom.js';
import { badge, busy, download, field, form, KIND_TITLES, messageArea, when } from '../ui.js';
import * as statistics from './operator_statistics.js';

const STATUS_TITLES = { pending: 'на рассмотрении', approved: 'одобрена', rejected: 'отклонена' };

export async function render(main, ctx, view) {
  if (view === 'statistics') return statistics.render(main, ctx);
  const list = h('div', { class: 'list' });
  const top = messageArea();
  const filter = field('Статус заявок', { name: 'status', value: 'pending' }, {
    kind: 'select',
    options: [['pending', 'На рассмотрении'], ['approved', 'Одобренные'], ['rejected', 'Отклонённые'], ['', 'Все']],
  });
  filter.input.value = 'pending';
  filter.input.addEventListener('change', () => fill());
  replace(main, h('h1', {}, 'Заявки организаций'), statistics.operatorTabs('applications'), h('div', { class: 'toolbar' }, filter.row), top.el, list);

  async function fill() {
    const status = filter.input.value;
    const { applications } = await api.get(`/applications${status ? `?status=${status}` : ''}`);
    replace(
      list,
      applications.length === 0 ? h('p', { class: 'muted' }, 'Заявок нет.') : applications.map((a) => card(a, fill, top)),
    );
  }
  await fill();
}

function card(application, refresh, top) {
  const messages = messageArea();
  const actions = h('div', { class: 'actions' });
  const orderButton = h('button', { type: 'button', class: 'secondary' }, 'Скачать приказ');
  orderButton.addEventListener('click', () =>
    busy(orderButton, async () => {
      const response = await request('GET', `/applications/${application.id}/document`, { raw: true });
      download(await response.blob(), application.document_name || 'prikaz');
    }, messages),
  );
  if (application.status === 'pending') {
    const approve = h('button', { type: 'button', class: 'primary' }, 'Одобрить');
    approve.addEventListener('click', () =>
      busy(approve, async () => {
        await api.post(`/applications/${application.id}:approve`);
        await refresh();
        top.ok(`Заявка «${application.name}» одобрена: организация создана`);
      }, messages),
    );
    const reject = h('button', { type: 'button', class: 'danger' }, 'Отклонить');
    reject.addEventListener('click', () => {
      const reason = field('Причина отказа', { name: 'reason', required: true, maxlength: '1000', rows: '3' }, { kind: 'textarea', hint: 'Заявитель увидит эту причину.' });
      const rejectForm = form(
        { class: 'stack inline-form', 'aria-label': 'Отклонить заявку' },
        [reason.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Отклонить заявку'))],
        async () => {
          await api.post(`/applications/${application.id}:reject`, { reason: reason.input.value.trim() });
          await refresh();
          top.ok(`Заявка «${application.name}» отклонена`);
        },
        messages,
      );
      replace(actions, rejectForm);
      reason.input.focus();
    });
    actions.append(approve, reject, orderButton);
  } else {
    actions.append(orderButton);
  }
  return h(
    'article',
    { class: 'card application', 'aria-label': application.name },
    h('div', { class: 'row' }, h('h2', {}, application.name), badge(STATUS_TITLES[application.status] || application.status, application.status === 'approved' ? 'ok' : application.status === 'rejected' ? 'bad' : '')),
    h(
      'dl',
      { class: 'details' },
      h('dt', {}, 'Тип'), h('dd', {}, KIND_TITLES[application.kind] || application.kind),
      h('dt', {}, 'Регион'), h('dd', {}, application.region),
      h('dt', {}, 'Адрес'), h('dd', {}, application.address),
      h('dt', {}, 'ИНН'), h('dd', {}, application.tax_id),
      h('dt', {}, 'Администратор'), h('dd', {}, `${application.admin_full_name}, ${application.admin_phone}, ${application.admin_email}`),
      h('dt', {}, 'Подана'), h('dd', {}, when(application.created_at)),
      application.reason ? [h('dt', {}, 'Причина отказа'), h('dd', {}, application.reason)] : null,
    ),
    actions,
    messages.el,
  );
}
