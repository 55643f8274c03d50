// Invite links (R-INV-1, R-INV-2): create for a class or the staff room with a role, copy, revoke,
// revoke all, and a printable CSV of single-use links for a class.
import { api, request } from '../../api.js';
import { h, replace } from '../../dom.js';
import { badge, busy, download, field, form, messageArea, ROLE_TITLES, roleTitle, section, when } from '../../ui.js';
import { classes, classOptions } from './common.js';
import { qrFigure } from './qr.js';

const ROLES = ['teacher', 'educator', 'administration', 'head', 'student', 'parent'];

export async function render(body, ctx) {
  const org = ctx.organisation;
  const all = await classes(org.id);
  const names = Object.fromEntries(all.map((c) => [c.id, c.name]));
  const top = messageArea();

  // --- create one link --------------------------------------------------------------------
  const created = h('div', {});
  const createMessages = messageArea();
  const klass = field('Класс или учительская', { name: 'class_id', required: true }, { kind: 'select', options: classOptions(all) });
  const role = field('Роль', { name: 'role', required: true }, { kind: 'select', options: ROLES.map((r) => [r, ROLE_TITLES[r]]) });
  const label = field('Метка', { name: 'label', maxlength: '200', placeholder: 'Иванова Мария' }, { hint: 'Кому выдана ссылка: видно только в этом списке.' });
  const uses = field('Сколько раз можно использовать', { name: 'max_uses', type: 'number', min: '0', max: '1000', value: '0' }, { hint: '0 — по умолчанию: 40 для ссылки ученикам, иначе 1.' });
  const days = field('Срок действия, дней', { name: 'expires_in_days', type: 'number', min: '0', max: '90', value: '0' }, { hint: '0 — неделя.' });
  const createForm = form(
    { class: 'stack', 'aria-label': 'Новая ссылка' },
    [klass.row, role.row, label.row, h('div', { class: 'pair' }, uses.row, days.row), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Создать ссылку'))],
    async () => {
      const result = await api.post(`/orgs/${org.id}/invites`, {
        class_id: klass.input.value,
        role: role.input.value,
        label: label.input.value.trim(),
        max_uses: Number(uses.input.value) || 0,
        expires_in_days: Number(days.input.value) || 0,
      });
      showCreated(created, new URL(result.link, window.location.origin).href, label.input.value.trim() || ROLE_TITLES[role.input.value]);
      await fill();
    },
    createMessages,
  );

  // --- the list ---------------------------------------------------------------------------
  const list = h('ul', { class: 'rows' });
  const showAll = h('input', { type: 'checkbox', id: 'invites-inactive' });
  showAll.addEventListener('change', () => fill());
  async function fill() {
    const { invites } = await api.get(`/orgs/${org.id}/invites${showAll.checked ? '?include_inactive=true' : ''}`);
    replace(
      list,
      invites.length === 0
        ? h('li', { class: 'muted' }, 'Действующих ссылок нет.')
        : invites.map((invite) => {
            const revoke = invite.revoked ? null : h('button', { type: 'button', class: 'secondary small', 'aria-label': `Отозвать ссылку ${invite.label || roleTitle(invite.role)}` }, 'Отозвать');
            revoke?.addEventListener('click', () =>
              busy(revoke, async () => {
                await api.post(`/orgs/${org.id}/invites/${invite.id}:revoke`);
                await fill();
              }, top),
            );
            return h(
              'li',
              { class: 'item' },
              h('div', {},
                h('strong', {}, invite.label || 'Без метки'), ' ',
                invite.revoked ? badge('отозвана', 'bad') : null,
                h('div', { class: 'meta' }, `${names[invite.class_id] || 'класс'} · ${roleTitle(invite.role)} · использована ${invite.uses} из ${invite.max_uses} · до ${when(invite.expires_at)}`)),
              revoke,
            );
          }),
    );
  }
  const revokeAll = h('button', { type: 'button', class: 'danger' }, 'Отозвать все ссылки');
  revokeAll.addEventListener('click', () => {
    const confirm = h('button', { type: 'button', class: 'danger' }, 'Да, отозвать все');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Отмена');
    const box = h('div', { class: 'alert warn', role: 'alertdialog', 'aria-label': 'Отозвать все ссылки' },
      h('p', {}, 'Все неиспользованные ссылки перестанут работать. Продолжить?'), h('div', { class: 'actions' }, confirm, cancel));
    cancel.addEventListener('click', () => { box.replaceWith(revokeAll); revokeAll.focus(); });
    confirm.addEventListener('click', () =>
      busy(confirm, async () => {
        const { revoked } = await api.post(`/orgs/${org.id}/invites:revoke-all`);
        box.replaceWith(revokeAll);
        top.ok(`Отозвано ссылок: ${revoked}`);
        await fill();
      }, top),
    );
    revokeAll.replaceWith(box);
    confirm.focus();
  });

  // --- a batch as CSV ---------------------------------------------------------------------
  const batchMessages = messageArea();
  const batchClass = field('Класс для списка', { name: 'batch_class_id', required: true }, { kind: 'select', options: classOptions(all.filter((c) => c.kind !== 'staff_room')) });
  const batchRole = field('Роль для списка', { name: 'batch_role', required: true }, { kind: 'select', options: [['student', 'ученик'], ['parent', 'родитель']] });
  const batchLabels = field('Список: одна строка — одна ссылка', { name: 'labels', required: true, rows: '5', placeholder: 'Иванов Иван\nПетрова Мария' }, { kind: 'textarea', hint: 'Каждому — своя одноразовая ссылка. Файл CSV открывается в таблицах для печати.' });
  const batchForm = form(
    { class: 'stack', 'aria-label': 'Ссылки списком' },
    [batchClass.row, batchRole.row, batchLabels.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Скачать CSV'))],
    async () => {
      const labels = batchLabels.input.value.split('\n').map((s) => s.trim()).filter(Boolean);
      const response = await request('POST', `/orgs/${org.id}/classes/${batchClass.input.value}/invites:batch`, {
        body: { role: batchRole.input.value, labels },
        raw: true,
      });
      const name = `${names[batchClass.input.value] || 'class'}-${batchRole.input.value}.csv`;
      download(await response.blob(), name);
      batchMessages.ok(`Готово: ${labels.length} ссылок в файле ${name}`);
      await fill();
    },
    batchMessages,
  );
  if (all.every((c) => c.kind === 'staff_room')) replace(batchForm, h('p', { class: 'muted' }, 'Сначала создайте классы в разделе «Структура».'));

  replace(
    body,
    top.el,
    section('Новая ссылка-приглашение', createForm, createMessages.el, created),
    section('Ссылки', h('div', { class: 'check' }, showAll, h('label', { for: 'invites-inactive' }, 'Показать отозванные и истёкшие')), list, h('div', { class: 'actions' }, revokeAll)),
    section('Ссылки списком для класса', batchForm, batchMessages.el),
  );
  await fill();
}

function showCreated(container, link, caption) {
  const messages = messageArea();
  const out = h('input', { id: 'created-link', readonly: true, value: link, class: 'mono' });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Скопировать');
  copy.addEventListener('click', async () => {
    out.select();
    try {
      await navigator.clipboard.writeText(link);
      messages.ok('Ссылка скопирована');
    } catch {
      messages.ok('Ссылка выделена: скопируйте её (Ctrl+C)');
    }
  });
  replace(
    container,
    h('div', { class: 'created' },
      h('label', { for: 'created-link' }, 'Ссылка создана — она показывается только сейчас'),
      h('div', { class: 'copy' }, out, copy),
      messages.el,
      qrFigure(link, `приглашение «${caption}»`)),
  );
  out.focus();
  out.select();
}
