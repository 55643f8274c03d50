// Helpers the administrator's tabs share: classes and members as choices, people by their names.
import { api } from '../../api.js';
import { h } from '../../dom.js';
import { roleTitle } from '../../ui.js';
import { NO_NAME, forgetNames, nameOf } from '../../names.js';

export { NO_NAME };

/** Tell the console that the numbers on its tabs («Заявки», «Обращения») may have changed. */
export function countsChanged(el) {
  el.dispatchEvent(new CustomEvent('parta:admin-counts-changed', { bubbles: true }));
}

/** Classes of a year (empty: the current one) and the staff room. */
export async function classes(orgId, year = '') {
  const { classes: list } = await api.get(`/orgs/${orgId}/classes${year ? `?academic_year=${encodeURIComponent(year)}` : ''}`);
  return list;
}

export function classOptions(list) {
  return list.map((c) => [c.id, c.kind === 'staff_room' ? `${c.name} (сотрудники)` : `${c.name}${c.academic_year ? `, ${c.academic_year}` : ''}`]);
}

export async function members(orgId) {
  return (await api.get(`/orgs/${orgId}/members`)).members;
}

/**
 * The names of members by id (names.js: batched, R-PRIV-1 — the server names only members of an
 * organisation the viewer shares; a parent's name comes with their child). A person without a
 * name maps to ''.
 */
export async function peopleNames(orgId, ids) {
  forgetNames(); // the console shows names as they are now (a list refreshed after someone joined)
  const unique = [...new Set(ids.filter(Boolean))];
  const shown = await Promise.all(unique.map((id) => nameOf(orgId, id)));
  return new Map(unique.map((id, index) => [id, shown[index] === NO_NAME ? '' : shown[index]]));
}

/** A person's name as shown in the console: «Вы», the name, or «Имя не указано». */
export function nameText(names, id, me) {
  if (me && id === me.id) return 'Вы';
  return names.get(id) || NO_NAME;
}

/** The name as an element (a missing name is shown muted). */
export function personText(names, id, me) {
  const text = nameText(names, id, me);
  return h('span', { class: text === NO_NAME ? 'person muted' : 'person', 'data-user': id }, text);
}

/** How a member is named in choices: «Ольга Смирнова — учитель». */
export function memberLabel(member, me, names = new Map()) {
  const roles = member.roles.map(roleTitle).join(', ');
  return `${nameText(names, member.user_id, me)} — ${roles}`;
}
