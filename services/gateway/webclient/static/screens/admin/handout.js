// The printable A4 handout of one class link (R-INV-1, R-INV-2): the school, the class, whom the
// link is for, its QR code, the link in full, until when it works, and three steps in plain Russian.
// Shown inside the «Приглашения» tab as a print view: while it is open the body has the class
// `printing-handout`, and invites.css prints only the handout (on A4), whichever way printing starts.
import { h, replace } from '../../dom.js';
import { roleTitle } from '../../ui.js';
import { qrPicture } from './qr.js';

const FOR_WHOM = { student: 'для учеников', parent: 'для родителей' };
const PRINT_CLASS = 'printing-handout';

/** «для родителей», «для учеников», or for one member of staff «для сотрудника: учитель». */
export function forWhom(role) {
  return FOR_WHOM[role] || `для сотрудника: ${roleTitle(role)}`;
}

/** The day a link stops working, in words: «10 декабря 2026 г., 09:30». */
export function expiryText(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  const day = date.toLocaleDateString('ru-RU', { day: 'numeric', month: 'long', year: 'numeric' });
  const time = date.toLocaleTimeString('ru-RU', { hour: '2-digit', minute: '2-digit' });
  return `${day}, ${time}`;
}

/**
 * Replace `container`'s content with the handout of `invite` ({link, role, expires_at}) for
 * `school` (its name) and `className`; `onClose` brings back what was there.
 */
export function showHandout(container, { invite, link, school, className, onClose }) {
  const picture = qrPicture(link, `QR-код ссылки-приглашения ${forWhom(invite.role)}, класс ${className}`, 280);
  const print = h('button', { type: 'button', class: 'primary', disabled: true }, 'Печать');
  const back = h('button', { type: 'button', class: 'secondary' }, 'Назад к ссылкам');
  const expiry = expiryText(invite.expires_at);
  const handout = h('article', { class: 'handout', 'aria-labelledby': 'handout-title' },
    h('p', { class: 'handout-brand' }, 'Парта — связь школы и семьи'),
    h('h2', { id: 'handout-title', class: 'handout-school' }, school),
    h('p', { class: 'handout-class' }, `Класс ${className}`, h('span', { class: 'handout-role' }, ` · ${forWhom(invite.role)}`)),
    h('div', { class: 'handout-qr' }, picture.el),
    h('p', { class: 'handout-link-title' }, 'Ссылка для вступления:'),
    h('p', { class: 'handout-link mono' }, link),
    expiry ? h('p', { class: 'handout-expiry' }, `Ссылка действует до ${expiry}.`) : null,
    h('h3', { class: 'handout-steps-title' }, 'Как вступить — три шага'),
    h('ol', { class: 'handout-steps' },
      h('li', {}, 'Отсканируйте QR-код камерой телефона или откройте ссылку в браузере.'),
      h('li', {}, 'Войдите по номеру телефона: придёт SMS с кодом, введите его.'),
      h('li', {}, 'Укажите имя и фамилию и нажмите «Вступить».')),
    h('p', { class: 'handout-note' }, 'Ссылку не публикуйте в открытых группах: по ней вступают в класс.'));
  const close = () => {
    document.body.classList.remove(PRINT_CLASS);
    onClose();
  };
  back.addEventListener('click', close);
  print.addEventListener('click', () => window.print());
  picture.ready.then(() => { print.disabled = false; }, () => { print.disabled = false; });
  document.body.classList.add(PRINT_CLASS);
  replace(container,
    h('div', { class: 'actions handout-actions' }, print, back),
    handout);
  back.focus();
  return handout;
}
