// Helpers the administrator's tabs share: classes and members as choices, people by their names.
import { api } from '../../api.js';
import { h } from '../../dom.js';
import { roleTitle } from '../../ui.js';

export const NO_NAME = 'Имя не указано';

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
 * The names of members by id, in batches of 100 (R-PRIV-1: the server names only members of an
 * organisation the viewer shares). A person without a name maps to ''.
 */
export async function peopleNames(orgId, ids) {
  const names = new Map();
  const unique = [...new Set(ids.filter(Boolean))];
  for (let start = 0; start < unique.length; start += 100) {
    const chunk = unique.slice(start, start + 100);
    const query = chunk.map((id) => `user_id=${encodeURIComponent(id)}`).join('&');
    const { people } = await api.get(`/orgs/${orgId}/people?${query}`);
    for (const p of people) names.set(p.user_id, p.name || '');
  }
  return names;
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
