// Movement (R-MOVE-1): transfer a student to another class, record a leave; with history.
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { field, form, messageArea, section, when } from '../../ui.js';
import { classes, classOptions, memberLabel, members, peopleNames, personText } from './common.js';

const KIND_TITLES = { transfer: 'перевод', student_left: 'выбытие ученика', staff_left: 'увольнение сотрудника' };

export async function render(body, ctx) {
  const org = ctx.organisation;
  const [all, people, { movements }] = await Promise.all([
    classes(org.id),
    members(org.id),
    api.get(`/orgs/${org.id}/movements`),
  ]);
  const names = Object.fromEntries(all.map((c) => [c.id, c.name]));
  const personNames = await peopleNames(org.id, [...people.map((m) => m.user_id), ...movements.map((m) => m.user_id)]);
  const students = people.filter((m) => m.roles.includes('student'));
  const leavers = people.filter((m) => m.user_id !== ctx.state.me?.id);
  const me = ctx.state.me;

  const transferMessages = messageArea();
  const student = field('Ученик', { name: 'student', required: true }, { kind: 'select', options: students.map((m) => [m.user_id, memberLabel(m, me, personNames)]) });
  const target = field('В класс', { name: 'to_class_id', required: true }, { kind: 'select', options: classOptions(all.filter((c) => c.kind !== 'staff_room')) });
  const transferReason = field('Основание', { name: 'transfer_reason', maxlength: '500', placeholder: 'По заявлению родителей' });
  const transferForm = students.length
    ? form(
        { class: 'stack', 'aria-label': 'Перевод ученика' },
        [student.row, target.row, transferReason.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Перевести'))],
        async () => {
          await api.post(`/orgs/${org.id}/movements:transfer`, { user_id: student.input.value, to_class_id: target.input.value, reason: transferReason.input.value.trim() });
          await ctx.reload({ flash: 'Перевод записан' });
        },
        transferMessages,
      )
    : h('p', { class: 'muted' }, 'В организации пока нет учеников.');

  const leaveMessages = messageArea();
  const leaver = field('Кто выбывает', { name: 'leaver', required: true }, { kind: 'select', options: leavers.map((m) => [m.user_id, memberLabel(m, me, personNames)]) });
  const leaveReason = field('Основание', { name: 'leave_reason', maxlength: '500', placeholder: 'Переезд' });
  const leaveForm = leavers.length
    ? form(
        { class: 'stack', 'aria-label': 'Выбытие' },
        [leaver.row, leaveReason.row, h('p', { class: 'hint' }, 'Выбывший покидает чаты организации; родители выбывшего ученика — чаты его класса.'), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Записать выбытие'))],
        async () => {
          await api.post(`/orgs/${org.id}/movements:leave`, { user_id: leaver.input.value, reason: leaveReason.input.value.trim() });
          await ctx.reload({ flash: 'Выбытие записано' });
        },
        leaveMessages,
      )
    : h('p', { class: 'muted' }, 'Других участников нет.');

  replace(
    body,
    transferMessages.el,
    section('Перевод ученика в другой класс', transferForm),
    section('Выбытие', leaveForm, leaveMessages.el),
    section(
      'История',
      movements.length === 0
        ? h('p', { class: 'muted' }, 'Записей пока нет.')
        : h('ul', { class: 'rows' }, movements.map((m) => h('li', { class: 'item' }, h('div', {},
            h('strong', {}, `${KIND_TITLES[m.kind] || m.kind}: `, personText(personNames, m.user_id, me)),
            h('div', { class: 'meta' }, [m.from_class_id ? `из ${names[m.from_class_id] || 'класса'}` : '', m.to_class_id ? `в ${names[m.to_class_id] || 'класс'}` : '', m.reason, when(m.recorded_at)].filter(Boolean).join(' · ')))))),
    ),
  );
}
