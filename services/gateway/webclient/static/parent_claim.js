// A parent says which child and who they are to them (R-ROLE-6) — on a parent's invite link and on a
// parent's join request. With a parents' link the parent picks the child among the class's students
// (names only) or types the name when the child is not in the list yet; with the join code they type
// it. Then мама / папа / другой законный представитель. Others read «Ольга Смирнова, мама Миши
// Смирнова».
import { h } from './dom.js';
import { field } from './ui.js';

export const RELATIONS = [
  ['', 'Выберите'],
  ['mother', 'мама'],
  ['father', 'папа'],
  ['guardian', 'другой законный представитель'],
];
const NOT_LISTED = 'not-listed';

/**
 * The fieldset and a `value()` for the API's `parent` object; `required(on)` toggles it.
 * `students`: [{user_id, first_name, last_name}] to pick from (may be empty).
 */
export function parentFields(students = []) {
  const picker = students.length
    ? field('Ваш ребёнок', { name: 'child_id' }, {
        kind: 'select',
        options: [
          ['', 'Выберите'],
          ...students.map((s) => [s.user_id, [s.first_name, s.last_name].filter(Boolean).join(' ')]),
          [NOT_LISTED, 'Нет в списке — ввести имя'],
        ],
      })
    : null;
  const first = field('Имя ребёнка', { name: 'child_first_name', maxlength: '64', autocomplete: 'off' });
  const last = field('Фамилия ребёнка', { name: 'child_last_name', maxlength: '64', autocomplete: 'off' });
  const typed = h('div', { class: 'stack' }, first.row, last.row);
  const relation = field('Кем вы приходитесь ребёнку', { name: 'relation' }, { kind: 'select', options: RELATIONS });
  const row = h('fieldset', { class: 'stack parent-claim' }, h('legend', {}, 'Ваш ребёнок'), picker?.row, typed, relation.row);
  let on = true;
  const typing = () => !picker || picker.input.value === NOT_LISTED;
  const sync = () => {
    typed.hidden = !typing();
    first.input.required = last.input.required = on && typing();
    if (picker) picker.input.required = on;
    relation.input.required = on;
  };
  picker?.input.addEventListener('change', sync);
  sync();
  return {
    row,
    required(value) {
      on = value;
      sync();
    },
    value() {
      if (!typing()) return { child_id: picker.input.value, relation: relation.input.value };
      return {
        child_first_name: first.input.value.trim(),
        child_last_name: last.input.value.trim(),
        relation: relation.input.value,
      };
    },
  };
}
