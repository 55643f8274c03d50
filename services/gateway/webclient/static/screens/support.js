// Support requests (R-PRIV-4), `/org/<id>/support`: any member writes to the organisation's
// administrator or to the operator and reads the answers. Also the pieces the administrator's
// «Обращения» tab and the operator's list share: a request's card with the addressee's answer form.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { personName } from '../names.js';
import { badge, field, form, messageArea, section, shortId, when } from '../ui.js';

export const STATUS_TITLES = { open: 'новое', in_progress: 'в работе', resolved: 'решено' };
export const ADDRESSEE_TITLES = { administrator: 'администратору организации', operator: 'оператору Парты' };

function statusBadge(status) {
  return badge(STATUS_TITLES[status] || status, status === 'resolved' ? 'ok' : '');
}

/** One request: subject, status, who wrote it and to whom, the text and the answer. With
 * `answerable` (the addressee's view) a form to move the status and answer. */
export function requestCard(request, { org = '', answerable = false, showAuthor = false, onSaved = null, orgNames = null } = {}) {
  const messages = messageArea();
  const body = [
    h('div', { class: 'row' }, h('h3', {}, request.subject), statusBadge(request.status)),
    h('p', { class: 'meta' },
      orgNames ? `${orgNames[request.organisation_id] || `Организация ${shortId(request.organisation_id)}`} · ` : null,
      showAuthor ? ['От: ', org ? personName(org, request.author_id) : `Участник ${shortId(request.author_id)}`, ' · '] : null,
      `Кому: ${ADDRESSEE_TITLES[request.addressee] || request.addressee} · ${when(request.created_at)}`),
    h('p', { class: 'text' }, request.text),
    request.answer ? h('div', { class: 'answer' }, h('strong', {}, 'Ответ: '), h('span', { class: 'text' }, request.answer)) : null,
  ];
  if (answerable) {
    const status = field('Статус', { name: 'status' }, { kind: 'select', options: Object.entries(STATUS_TITLES).map(([key, title]) => [key, title]) });
    status.input.value = request.status;
    const answer = field('Ответ', { name: 'answer', rows: '3', maxlength: '5000' }, { kind: 'textarea', hint: 'Автор обращения увидит ответ.' });
    body.push(form(
      { class: 'stack inline-form', 'aria-label': `Ответ на обращение «${request.subject}»` },
      [status.row, answer.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary small' }, 'Сохранить'))],
      async () => {
        const change = { status: status.input.value };
        if (answer.input.value.trim()) change.answer = answer.input.value.trim();
        const saved = await api.patch(`/support-requests/${request.id}`, change);
        if (onSaved) await onSaved(saved);
      },
      messages,
    ));
    body.push(messages.el);
  }
  return h('li', { class: 'item column support-request' }, h('div', {}, ...body));
}

export function requestList(label, requests, options) {
  return requests.length === 0
    ? h('p', { class: 'muted' }, 'Обращений нет.')
    : h('ul', { class: 'rows', 'aria-label': label }, requests.map((r) => requestCard(r, options)));
}

export async function render(main, ctx, orgId) {
  const organisation = await api.get(`/orgs/${encodeURIComponent(orgId)}`);
  ctx.chooseOrg(organisation.id);
  const me = ctx.state.me?.id;
  const top = messageArea();
  const mine = h('div', {});
  async function fill() {
    const { requests } = await api.get(`/orgs/${organisation.id}/support-requests`);
    replace(mine, requestList('Мои обращения', requests.filter((r) => r.author_id === me), { org: organisation.id }));
  }
  const choices = Object.entries(ADDRESSEE_TITLES).map(([value, title], index) => {
    const id = `support-to-${value}`;
    return h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'addressee', id, value, checked: index === 0 }),
      h('label', { for: id }, title.charAt(0).toUpperCase() + title.slice(1)));
  });
  const subject = field('Тема', { name: 'subject', required: true, minlength: '2', maxlength: '200' });
  const text = field('Что случилось', { name: 'text', required: true, minlength: '2', maxlength: '5000', rows: '5' }, { kind: 'textarea', hint: 'Администратор помогает с классами, чатами и участниками; оператор — с работой Парты и если вопрос касается администратора.' });
  const write = form(
    { class: 'stack', 'aria-label': 'Новое обращение' },
    [h('fieldset', {}, h('legend', {}, 'Кому'), ...choices), subject.row, text.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Отправить обращение'))],
    async (el) => {
      const addressee = el.querySelector('input[name=addressee]:checked').value;
      await api.post(`/orgs/${organisation.id}/support-requests`, { addressee, subject: subject.input.value.trim(), text: text.input.value.trim() });
      subject.input.value = '';
      text.input.value = '';
      top.ok(`Обращение отправлено ${ADDRESSEE_TITLES[addressee]}`);
      await fill();
    },
    top,
  );
  replace(
    main,
    h('p', { class: 'back' }, h('a', { href: `/org/${organisation.id}`, 'data-link': true }, `← ${organisation.name}`)),
    h('h1', {}, 'Поддержка'),
    h('p', { class: 'lead' }, 'Напишите администратору организации или оператору Парты — ответ появится здесь.'),
    section('Новое обращение', write, top.el),
    section('Мои обращения', mine),
  );
  await fill();
}
