// Invite links (R-INV-1, R-INV-2): create for a class or the staff room with a role, copy, revoke,
// revoke all, and a printable CSV of single-use links for a class. A link made here keeps its
// token while it is usable, so the list shows its QR code again («Показать QR-код») and opens the
// class's printable A4 handout («Памятка для печати», handout.js).
import { api, request } from '../../api.js';
import { h, replace, uid } from '../../dom.js';
import { badge, busy, download, field, form, messageArea, plural, ROLE_TITLES, roleTitle, section, when } from '../../ui.js';
import { classes, classOptions } from './common.js';
import { forWhom, showHandout } from './handout.js';
import { qrFigure } from './qr.js';

const LINKS = ['ссылка', 'ссылки', 'ссылок'];
const FILE_ROLES = { student: 'ученики', parent: 'родители' };

/** The file name the gateway gave (RFC 5987 `filename*`), or one made the same way. */
function fileName(response, className, role) {
  const header = response.headers.get('content-disposition') || '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // a malformed header: fall back to our own name
    }
  }
  return `Приглашения-${className}-${FILE_ROLES[role] || role}.csv`;
}

const ROLES = ['teacher', 'educator', 'administration', 'head', 'student', 'parent'];

export async function render(body, ctx) {
  const org = ctx.organisation;
  // R-INV-1: the administrator makes any link; a class teacher makes students' and parents' links
  // for the classes they lead (the server says the same).
  const isAdmin = (org.my_roles || []).includes('administrator');
  const me = ctx.state?.me?.id;
  const all = (await classes(org.id)).filter((c) => isAdmin || c.class_teacher_id === me);
  const names = Object.fromEntries(all.map((c) => [c.id, c.name]));
  const top = messageArea();

  // --- create one link --------------------------------------------------------------------
  const created = h('div', {});
  const createMessages = messageArea();
  const klass = field('Класс или учительская', { name: 'class_id', required: true }, { kind: 'select', options: classOptions(all) });
  const roles = isAdmin ? ROLES : ['student', 'parent'];
  const role = field('Роль', { name: 'role', required: true }, { kind: 'select', options: roles.map((r) => [r, ROLE_TITLES[r]]) });
  const label = field('Метка', { name: 'label', maxlength: '200', placeholder: 'Иванова Мария' }, { hint: 'Кому выдана ссылка: видно только в этом списке.' });
  const uses = field('Сколько раз можно использовать', { name: 'max_uses', type: 'number', min: '0', max: '1000', value: '0' }, { hint: '0 — по умолчанию: ссылкой для учеников пользуется весь класс с запасом (не меньше 40 раз), для родителей — вдвое больше; ссылка для сотрудника — на одного человека.' });
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
        : invites.map((invite) => inviteItem(invite)),
    );
  }
  function inviteItem(invite) {
    const className = names[invite.class_id] || 'класс';
    const title = invite.label || `Ссылка ${forWhom(invite.role)}`;
    const buttons = [];
    const qrBox = h('div', { class: 'invite-qr', id: uid('qr'), hidden: true });
    const titleId = uid('invite');
    if (invite.link && !invite.revoked) {
      const link = new URL(invite.link, window.location.origin).href;
      const showQr = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': qrBox.id, 'aria-describedby': titleId }, 'Показать QR-код');
      showQr.addEventListener('click', () => {
        const open = showQr.getAttribute('aria-expanded') !== 'true';
        showQr.setAttribute('aria-expanded', String(open));
        showQr.textContent = open ? 'Скрыть QR-код' : 'Показать QR-код';
        qrBox.hidden = !open;
        replace(qrBox, open ? qrFigure(link, `${className}: ${invite.label ? `«${invite.label}»` : forWhom(invite.role)}`) : null);
      });
      const handout = h('button', { type: 'button', class: 'secondary', 'aria-describedby': titleId }, 'Памятка для печати');
      handout.addEventListener('click', () =>
        showHandout(body, { invite, link, school: org.name, className, onClose: () => render(body, ctx) }),
      );
      buttons.push(showQr, handout);
    }
    if (!invite.revoked) {
      const revoke = h('button', { type: 'button', class: 'secondary', 'aria-label': `Отозвать ссылку: ${title}, ${className}` }, 'Отозвать');
      revoke.addEventListener('click', () =>
        busy(revoke, async () => {
          await api.post(`/orgs/${org.id}/invites/${invite.id}:revoke`);
          await fill();
        }, top),
      );
      buttons.push(revoke);
    }
    return h(
      'li',
      { class: 'item column invite' },
      h('div', {},
        h('strong', { id: titleId }, title), ' ',
        invite.revoked ? badge('отозвана', 'bad') : null,
        h('div', { class: 'meta' }, `${className} · ${roleTitle(invite.role)} · Использований: ${invite.uses} из ${invite.max_uses} · до ${when(invite.expires_at)}`)),
      buttons.length ? h('div', { class: 'actions invite-actions' }, buttons) : null,
      qrBox,
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
        top.ok(`${plural(revoked, ['Отозвана', 'Отозвано', 'Отозвано'], { withNumber: false })} ${plural(revoked, LINKS)}`);
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
      const name = fileName(response, names[batchClass.input.value] || 'класс', batchRole.input.value);
      download(await response.blob(), name);
      batchMessages.ok(`Готово: ${plural(labels.length, LINKS)} в файле «${name}»`);
      await fill();
    },
    batchMessages,
  );
  if (all.every((c) => c.kind === 'staff_room')) replace(batchForm, h('p', { class: 'muted' }, 'Сначала создайте классы в разделе «Структура».'));

  replace(
    body,
    top.el,
    section('Новая ссылка-приглашение', createForm, createMessages.el, created),
    section('Ссылки', h('div', { class: 'check' }, showAll, h('label', { for: 'invites-inactive' }, 'Показать отозванные и истёкшие')), list, isAdmin ? h('div', { class: 'actions' }, revokeAll) : null),
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
      h('label', { for: 'created-link' }, 'Ссылка создана. Её QR-код и памятку для печати можно открыть снова в списке ссылок'),
      h('div', { class: 'copy' }, out, copy),
      messages.el,
      qrFigure(link, `приглашение «${caption}»`)),
  );
  out.focus();
  out.select();
}
