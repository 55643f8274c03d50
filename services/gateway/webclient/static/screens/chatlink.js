// /chat-link/<token>: a chat invite link from its teacher (R-CHAT-6). After signing in: the chat's
// title, kind, organisation and numbered rules (nothing about its members); «Вступить» joins,
// acknowledging the rules (R-CHAT-4, R-CHAT-5). A link to a chat is not a way into the school: whoever
// is not yet a member of the organisation is told to join it first (R-CHAT-6, R-INV-5). A person
// without a name gives it first (name_step.js).
import { api, session } from '../api.js';
import { h, replace } from '../dom.js';
import { nameForm, needsName } from '../name_step.js';
import { busy, checkbox, messageArea, when } from '../ui.js';
import { CHAT_KIND_TITLES } from './chats.js';
import { signInForm } from './signin.js';

export async function render(main, ctx, token) {
  const messages = messageArea();
  const heading = h('h1', {}, 'Приглашение в чат');
  if (!session()) {
    replace(
      main,
      h('div', { class: 'narrow' },
        heading,
        h('p', {}, 'Чтобы увидеть чат и вступить в него, войдите по одноразовому коду.'),
        signInForm({ onDone: async () => { await ctx.reload(); } })),
    );
    return;
  }
  const me = ctx.state?.me?.id ? ctx.state.me : await api.get('/me');
  if (needsName(me)) {
    const ask = nameForm({
      onDone: async (saved) => {
        ctx.state.me = saved;
        await render(main, ctx, token);
      },
    });
    replace(main, h('div', { class: 'narrow' }, heading, ask));
    return;
  }
  let preview;
  try {
    preview = await api.get(`/chat-links/${encodeURIComponent(token)}`);
  } catch (error) {
    replace(main, h('div', { class: 'narrow' }, heading, messages.el));
    messages.error(error);
    return;
  }
  const details = h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Организация'), h('dd', {}, preview.organisation_name || '—'),
    h('dt', {}, 'Чат'), h('dd', { class: 'chat-title' }, preview.title),
    h('dt', {}, 'Вид'), h('dd', {}, CHAT_KIND_TITLES[preview.kind] || preview.kind),
    h('dt', {}, 'Ссылка действует до'), h('dd', {}, when(preview.expires_at)),
  );
  const open = h('a', { href: `/chats/${preview.chat_id}`, 'data-link': true }, 'Открыть чат');
  let action;
  if (preview.member) {
    action = h('p', { class: 'alert ok', role: 'status' }, 'Вы уже в этом чате. ', open);
  } else if (!preview.organisation_member) {
    action = h('div', { class: 'alert warn', role: 'note' },
      h('p', {}, 'Ссылка на чат не делает участником школы. Сначала вступите в организацию — по её приглашению или заявке, — затем откройте эту ссылку снова.'),
      h('p', {}, h('a', { href: '/join', 'data-link': true }, 'Вступить в организацию')));
  } else {
    const agree = checkbox('Я прочитал(а) правила чата и принимаю их', { name: 'agree' });
    const join = h('button', { type: 'button', class: 'primary big' }, 'Вступить');
    join.addEventListener('click', () => busy(join, async () => {
      if (!agree.input.checked) {
        agree.input.focus();
        throw new Error('Чтобы вступить, отметьте, что принимаете правила чата');
      }
      const chat = await api.post(`/chat-links/${encodeURIComponent(token)}/join`, { rules_version: preview.rules_version });
      ctx.go(`/chats/${chat.id}`, { replaceState: true });
    }, messages));
    action = h('div', {}, agree.row, h('div', { class: 'actions' }, join));
  }
  replace(
    main,
    h('div', { class: 'narrow' },
      heading,
      h('div', { class: 'card' }, details),
      h('section', { class: 'card rules', 'aria-labelledby': 'chat-link-rules' },
        h('h2', { id: 'chat-link-rules' }, 'Правила чата'),
        h('p', { class: 'hint' }, `Версия ${preview.rules_version}. Вступая, вы принимаете эти правила.`),
        h('ol', { class: 'rules-list' }, preview.rules.map((rule) => h('li', {}, rule)))),
      action,
      messages.el),
  );
}
