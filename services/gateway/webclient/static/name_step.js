// Names at the door: every way in — an invite link, the join code, a chat link, the first sign-in —
// asks first and last name before going on when the profile has none, so nobody in a class is
// nameless. Saved with PATCH /me (first_name, last_name); the same two fields everywhere.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { field, form, messageArea } from './ui.js';

/** Whether the person still has to say their name (no first, last or display name). */
export function needsName(me) {
  return !(me?.first_name || me?.last_name || me?.display_name);
}

/**
 * The name form: «Как вас зовут», first and last name (both required), «Продолжить». Calls
 * `onDone(me)` with the saved profile; errors show under the fields.
 */
export function nameForm({ onDone, level = 'h2', hint = 'Имя и фамилию увидят учителя и участники ваших чатов.' }) {
  const messages = messageArea();
  const first = field('Имя', { name: 'first_name', required: true, maxlength: '64', autocomplete: 'given-name' });
  const last = field('Фамилия', { name: 'last_name', required: true, maxlength: '64', autocomplete: 'family-name' });
  const el = form(
    { class: 'stack', 'aria-label': 'Ваше имя' },
    [first.row, last.row, messages.el, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Продолжить'))],
    async () => {
      const firstName = first.input.value.trim();
      const lastName = last.input.value.trim();
      if (!firstName || !lastName) {
        (firstName ? last : first).input.focus();
        throw new Error('Укажите имя и фамилию');
      }
      const me = await api.patch('/me', { first_name: firstName, last_name: lastName });
      await onDone(me);
    },
    messages,
  );
  const card = h('div', { class: 'card name-step' }, h(level, {}, 'Как вас зовут'), h('p', { class: 'hint' }, hint), el);
  setTimeout(() => first.input.focus(), 0);
  return card;
}

/**
 * Run `next()` once the signed-in person has a name: at once when they have one, else after the
 * name form shown in `container`. The profile saved goes into `ctx.state.me` (the header's name).
 */
export async function withName(ctx, container, next) {
  let me = ctx?.state?.me;
  if (!me || !me.id) me = await api.get('/me');
  if (!needsName(me)) return next(me);
  replace(
    container,
    nameForm({
      onDone: async (saved) => {
        if (ctx?.state) ctx.state.me = saved;
        await next(saved);
      },
    }),
  );
  return undefined;
}
