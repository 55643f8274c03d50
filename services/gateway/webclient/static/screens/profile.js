// My school profile (R-PRIV-1) and my sessions (devices); "Выйти" ends this session.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { badge, busy, field, form, messageArea, roleTitle, section, when } from '../ui.js';
import { notifySection } from './notify_settings.js';

const VERIFICATION_TITLES = { pending: 'ожидает подтверждения', verified: 'подтверждено', rejected: 'отклонено' };

export async function render(main, ctx) {
  const me = await api.get('/me');
  const messages = messageArea();
  const display = field('Имя в Парте', { name: 'display_name', maxlength: '64', value: me.display_name, autocomplete: 'nickname' }, { hint: 'Так вас видят в чатах и списках.' });
  const first = field('Имя', { name: 'first_name', maxlength: '64', value: me.first_name, autocomplete: 'given-name' });
  const last = field('Фамилия', { name: 'last_name', maxlength: '64', value: me.last_name, autocomplete: 'family-name' });
  const profileForm = form(
    { class: 'stack', 'aria-label': 'Профиль' },
    [display.row, first.row, last.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Сохранить'))],
    async () => {
      await api.patch('/me', {
        display_name: display.input.value.trim(),
        first_name: first.input.value.trim(),
        last_name: last.input.value.trim(),
      });
      await ctx.reload({ flash: 'Профиль сохранён' });
    },
    messages,
  );
  const contacts = h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Телефон'),
    h('dd', {}, me.phone || '—'),
    h('dt', {}, 'E-mail'),
    h('dd', {}, me.email || '—'),
    me.guardian_email ? [h('dt', {}, 'E-mail родителя'), h('dd', {}, me.guardian_email)] : null,
  );
  const verifications = me.verifications.length
    ? h('ul', { class: 'plain' }, me.verifications.map((v) => h('li', {}, `${roleTitle(v.role)}: `, badge(VERIFICATION_TITLES[v.status] || v.status, v.status === 'verified' ? 'ok' : ''))))
    : null;
  const sessions = h('div', {});
  // Push and the e-mail digest (messaging); without it the rest of the profile still shows.
  const notify = await notifySection().catch(() => null);
  replace(
    main,
    h('h1', {}, 'Профиль'),
    section('Мои данные', profileForm, messages.el, contacts),
    verifications ? section('Подтверждение статуса', verifications) : null,
    me.children.length ? section('Дети', h('ul', { class: 'plain' }, me.children.map((c) => h('li', {}, `${c.first_name} ${c.last_name}`)))) : null,
    notify,
    section(
      'Организации',
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: '/join', 'data-link': true }, 'Вступить по коду организации'),
        h('a', { class: 'button', href: '/apply', 'data-link': true }, 'Подключить организацию'),
      ),
    ),
    section('Сеансы и устройства', sessions),
  );
  await renderSessions(sessions, ctx);
}

async function renderSessions(container, ctx) {
  const messages = messageArea();
  const { sessions } = await api.get('/me/sessions');
  const logout = h('button', { type: 'button', class: 'danger' }, 'Выйти');
  logout.addEventListener('click', () => busy(logout, () => ctx.signOut(), messages));
  replace(
    container,
    h(
      'ul',
      { class: 'rows' },
      sessions.map((s) => {
        const end = s.current ? null : h('button', { type: 'button', class: 'secondary small' }, 'Завершить');
        end?.addEventListener('click', () =>
          busy(end, async () => {
            await api.del(`/me/sessions/${encodeURIComponent(s.id)}`);
            await renderSessions(container, ctx);
          }, messages),
        );
        return h(
          'li',
          { class: 'item' },
          h('div', {}, h('strong', {}, s.device_name || 'Устройство без названия'), s.current ? [' ', badge('это устройство', 'ok')] : null,
            h('div', { class: 'meta' }, `Вход: ${when(s.created_at)} · последняя активность: ${when(s.last_used_at)}${s.client_address ? ` · ${s.client_address}` : ''}`)),
          end,
        );
      }),
    ),
    messages.el,
    h('div', { class: 'actions' }, logout),
  );
}
