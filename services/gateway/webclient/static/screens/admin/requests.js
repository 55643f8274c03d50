// Join requests (R-INV-3): approve, or reject with a reason.
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { busy, field, form, messageArea, roleTitle, section, when } from '../../ui.js';
import { classes, countsChanged, peopleNames, personText } from './common.js';

const RELATIONS = { mother: 'мама', father: 'папа', guardian: 'законный представитель' };

/** What a parent said of their child (R-ROLE-6): «Ребёнок: Миша Смирнов · мама». */
function parentLine(parent) {
  const child = [parent.child_first_name, parent.child_last_name].filter(Boolean).join(' ') || 'выбран из класса';
  return `Ребёнок: ${child} · ${RELATIONS[parent.relation] || 'родитель'}`;
}

export async function render(body, ctx) {
  const org = ctx.organisation;
  const classNames = Object.fromEntries((await classes(org.id)).map((c) => [c.id, c.name]));
  const top = messageArea();
  const list = h('ul', { class: 'rows' });
  async function fill() {
    const { requests } = await api.get(`/orgs/${org.id}/join-requests?status=pending`);
    // R-INV-3: not members yet, so the name comes with the request (from their profile); a member
    // asking for another role is named by the organisation.
    const names = await peopleNames(org.id, requests.filter((r) => !r.requester_name).map((r) => r.user_id));
    replace(
      list,
      requests.length === 0
        ? h('li', { class: 'muted' }, 'Новых заявок нет.')
        : requests.map((r) => {
            const actions = h('div', { class: 'actions' });
            const approve = h('button', { type: 'button', class: 'primary small' }, 'Принять');
            approve.addEventListener('click', () =>
              busy(approve, async () => {
                await api.post(`/orgs/${org.id}/join-requests/${r.id}:approve`);
                top.ok('Заявка принята');
                await fill();
                countsChanged(list);
              }, top),
            );
            const reject = h('button', { type: 'button', class: 'danger small' }, 'Отклонить');
            reject.addEventListener('click', () => {
              const reason = field('Причина отказа', { name: 'reason', required: true, maxlength: '1000' });
              replace(actions, form(
                { class: 'stack inline-form', 'aria-label': 'Отклонить заявку' },
                [reason.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger small' }, 'Отклонить заявку'))],
                async () => {
                  await api.post(`/orgs/${org.id}/join-requests/${r.id}:reject`, { reason: reason.input.value.trim() });
                  top.ok('Заявка отклонена');
                  await fill();
                  countsChanged(list);
                },
                top,
              ));
              reason.input.focus();
            });
            actions.append(approve, reject);
            return h(
              'li',
              { class: 'item column' },
              h('div', {},
                h('strong', {}, `${roleTitle(r.role)}: `, r.requester_name ? h('span', { class: 'person', 'data-user': r.user_id }, r.requester_name) : personText(names, r.user_id)),
                h('div', { class: 'meta' }, `${r.class_id ? `${classNames[r.class_id] || 'класс'} · ` : ''}${when(r.created_at)}`),
                r.parent ? h('p', { class: 'meta' }, parentLine(r.parent)) : null,
                r.message ? h('p', { class: 'quote' }, r.message) : null),
              actions,
            );
          }),
    );
  }
  replace(body, top.el, section('Заявки на вступление', list));
  await fill();
}
