// /invite/<token>: what the link leads to (no sign-in needed, no members shown), then sign in if
// needed, give a name if the profile has none, and join (R-INV-1, R-INV-5). With a parent's link the
// parent names their child and who they are to them (R-ROLE-6).
import { api, session } from '../api.js';
import { h, replace } from '../dom.js';
import { withName } from '../name_step.js';
import { parentFields } from '../parent_claim.js';
import { form, KIND_TITLES, messageArea, roleTitle, when } from '../ui.js';
import { signInForm } from './signin.js';

export async function render(main, ctx, token) {
  const messages = messageArea();
  let preview;
  try {
    preview = await api.get(`/invites/${encodeURIComponent(token)}`, { auth: false });
  } catch (error) {
    replace(main, h('h1', {}, 'Приглашение'), messages.el);
    messages.error(error);
    return;
  }
  const details = h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Организация'), h('dd', {}, preview.organisation_name),
    h('dt', {}, 'Тип'), h('dd', {}, KIND_TITLES[preview.organisation_kind] || preview.organisation_kind),
    h('dt', {}, 'Класс'), h('dd', {}, preview.class_name),
    h('dt', {}, 'Роль'), h('dd', {}, roleTitle(preview.role)),
    h('dt', {}, 'Действует до'), h('dd', {}, when(preview.expires_at)),
  );
  const action = h('div', {});
  replace(
    main,
    h('div', { class: 'narrow' },
      h('h1', {}, 'Приглашение в организацию'),
      h('div', { class: 'card' }, details),
      action,
      messages.el),
  );
  const showJoin = async () => {
    let students = [];
    if (preview.role === 'parent') {
      try {
        students = (await api.get(`/invites/${encodeURIComponent(token)}/students`)).students;
      } catch {
        // The list is a convenience: without it the parent types the child's name.
      }
    }
    const parent = preview.role === 'parent' ? parentFields(students) : null;
    const joinForm = form(
      { class: 'stack', 'aria-label': 'Вступить' },
      [parent?.row, messages.el, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary big' }, 'Вступить'))],
      async () => {
        const body = parent ? { parent: parent.value() } : {};
        const organisation = await api.post(`/invites/${encodeURIComponent(token)}:accept`, body);
        ctx.chooseOrg(organisation.id);
        await ctx.signedIn(`/org/${organisation.id}`);
      },
      messages,
    );
    replace(action, joinForm);
  };
  if (session()) await withName(ctx, action, showJoin);
  else {
    replace(
      action,
      h('p', {}, 'Чтобы вступить, войдите по одноразовому коду.'),
      signInForm({ onDone: async () => { await ctx.reload(); } }),
    );
  }
}
