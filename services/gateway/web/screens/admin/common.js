// Helpers the administrator's tabs share: classes and members as choices.
import { api } from '../../api.js';
import { roleTitle, shortId } from '../../ui.js';

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

/** How a member is named in lists: the API gives ids only (names are kept by identity). */
export function memberLabel(member, me) {
  const roles = member.roles.map(roleTitle).join(', ');
  const who = member.user_id === me?.id ? 'Вы' : `Участник ${shortId(member.user_id)}`;
  return `${who} — ${roles}`;
}
