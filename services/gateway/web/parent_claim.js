// A parent says which child and who they are to them (R-ROLE-6) — on a parent's invite link and on a
// parent's join request: the child's first and last name and мама / папа / другой законный
// представитель. The class teacher links the parent to the student; others then read
// «Ольга Смирнова, мама Миши Смирнова».
import { h } from './dom.js';
import { field } from './ui.js';

export const RELATIONS = [
  ['', 'Выберите'],
  ['mother', 'мама'],
  ['father', 'папа'],
  ['guardian', 'другой законный представитель'],
];

/** The fieldset and a `value()` for the API's `parent` object; `required(on)` toggles it. */
export function parentFields() {
  const first = field('Имя ребёнка', { name: 'child_first_name', maxlength: '64', autocomplete: 'off' });
  const last = field('Фамилия ребёнка', { name: 'child_last_name', maxlength: '64', autocomplete: 'off' });
  const relation = field('Кем вы приходитесь ребёнку', { name: 'relation' }, { kind: 'select', options: RELATIONS });
  const row = h(
    'fieldset',
    { class: 'stack parent-claim' },
    h('legend', {}, 'Ваш ребёнок'),
    first.row,
    last.row,
    relation.row,
  );
  const required = (on) => {
    for (const f of [first, last, relation]) f.input.required = on;
  };
  required(true);
  return {
    row,
    required,
    value: () => ({
      child_first_name: first.input.value.trim(),
      child_last_name: last.input.value.trim(),
      relation: relation.input.value,
    }),
  };
}
