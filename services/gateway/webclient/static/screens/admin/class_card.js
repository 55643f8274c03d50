// A class's card in «Структура» (`/admin/<org>/structure?class=<id>`): the class teacher and the
// subject teachers the administrator appoints (R-ROLE-4), how many students and parents the class
// has, and the way to its invite links. Appointing the class teacher lets them create the class
// chat and the parents' chat (R-CHAT-1): messaging learns of it from directory's event.
import { api, ApiError } from '../../api.js';
import { h, replace } from '../../dom.js';
import { errorBox, field, form, plural, section } from '../../ui.js';
import { classes, members, nameText, peopleNames } from './common.js';

const SUBJECTS = [
  'Русский язык', 'Литература', 'Математика', 'Алгебра', 'Геометрия', 'Информатика', 'Физика', 'Химия',
  'Биология', 'География', 'История', 'Обществознание', 'Английский язык', 'Немецкий язык', 'Окружающий мир',
  'Музыка', 'Изобразительное искусство', 'Технология', 'Физическая культура', 'ОБЖ',
];
const LEADS = ['teacher', 'educator'];

/** A message place right under a field: the error of a call is shown next to what it is about. */
function fieldMessages(fieldParts) {
  const el = h('div', { class: 'messages field-error', 'aria-live': 'polite' });
  fieldParts.row.append(el);
  return {
    el,
    error(error) {
      fieldParts.input.setAttribute('aria-invalid', 'true');
      replace(el, errorBox(error));
    },
    clear() {
      fieldParts.input.removeAttribute('aria-invalid');
      replace(el);
    },
  };
}

/** One message area for a form whose errors go next to the field each is about. */
function routedMessages(route) {
  return {
    error(error) {
      const target = route(error);
      target.error(error);
    },
    clear() {
      route(null, true).forEach((m) => m.clear());
    },
  };
}

function isVerified(member) {
  return member.verified_roles.some((r) => LEADS.includes(r));
}

/** «Ольга Смирнова» or «Ольга Смирнова (статус не подтверждён)» for the selects. */
function teacherOption(member, names, me) {
  const name = nameText(names, member.user_id, me);
  return [member.user_id, isVerified(member) ? name : `${name} (статус не подтверждён)`];
}

function noStaff(org) {
  return h('p', { class: 'hint no-staff' }, 'Сначала пригласите учителей — вкладка ',
    h('a', { href: `/admin/${org.id}/invites`, 'data-link': true }, '«Приглашения»'), '.');
}

export async function render(body, ctx, classId, flash = '') {
  const org = ctx.organisation;
  const me = ctx.state.me;
  const back = h('p', { class: 'back' }, h('a', { href: `/admin/${org.id}/structure`, 'data-link': true }, '← Все классы'));
  const [all, people] = await Promise.all([classes(org.id), members(org.id)]);
  const klass = all.find((c) => c.id === classId && c.kind !== 'staff_room');
  if (!klass) {
    replace(body, back, h('div', { class: 'alert error', role: 'alert' }, 'Такого класса нет в этой организации.'));
    return;
  }
  const { assignments } = await api.get(`/orgs/${org.id}/subjects?class_id=${encodeURIComponent(klass.id)}`);
  const leads = people.filter((m) => m.roles.some((r) => LEADS.includes(r)));
  const teachers = people.filter((m) => m.roles.includes('teacher'));
  const names = await peopleNames(org.id, [...leads.map((m) => m.user_id), klass.class_teacher_id, ...assignments.map((a) => a.user_id)]);

  const status = h('div', { class: 'messages', 'aria-live': 'polite' });
  if (flash) replace(status, h('div', { class: 'alert ok', role: 'status' }, flash));

  // --- the class teacher (R-ROLE-4) -------------------------------------------------------
  const current = klass.class_teacher_id
    ? h('p', { class: 'current' }, 'Сейчас: ', h('strong', { class: 'person', 'data-user': klass.class_teacher_id }, nameText(names, klass.class_teacher_id, me)))
    : h('p', { class: 'current muted' }, 'Классный руководитель пока не назначен.');
  let leadForm = noStaff(org);
  if (leads.length) {
    const choice = field('Учитель', { name: 'class_teacher', required: true, value: klass.class_teacher_id || undefined }, {
      kind: 'select',
      options: leads.map((m) => teacherOption(m, names, me)),
      hint: leads.some((m) => !isVerified(m)) ? 'Назначить можно и до подтверждения статуса; подтверждают статус во вкладке «Участники».' : '',
    });
    const messages = fieldMessages(choice);
    leadForm = form(
      { class: 'stack', 'aria-label': 'Назначить классного руководителя' },
      [choice.row, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Назначить'))],
      async () => {
        await api.put(`/orgs/${org.id}/classes/${klass.id}/class-teacher`, { user_id: choice.input.value });
        await render(body, ctx, klass.id, `Классный руководитель ${klass.name}: ${nameText(names, choice.input.value, me)}`);
      },
      messages,
    );
  }

  // --- subject teachers (R-ROLE-4) --------------------------------------------------------
  const subjectList = h('ul', { class: 'rows subjects' },
    assignments.length === 0
      ? h('li', { class: 'muted' }, 'Учителя-предметники пока не назначены.')
      : assignments.map((a) => h('li', { class: 'item' },
          h('strong', {}, a.subject),
          h('span', { class: 'person', 'data-user': a.user_id }, nameText(names, a.user_id, me)))));
  let subjectForm = noStaff(org);
  if (teachers.length) {
    const subject = field('Предмет', { name: 'subject', required: true, minlength: '2', maxlength: '64', list: 'subject-names', autocomplete: 'off' });
    const teacher = field('Учитель предмета', { name: 'subject_teacher', required: true }, { kind: 'select', options: teachers.map((m) => teacherOption(m, names, me)) });
    const subjectMessages = fieldMessages(subject);
    const teacherMessages = fieldMessages(teacher);
    // A refusal about the person (R-ROLE-4) goes under the teacher, anything else under the subject.
    const messages = routedMessages((error, every) => {
      if (every) return [subjectMessages, teacherMessages];
      return error instanceof ApiError && error.rule ? teacherMessages : subjectMessages;
    });
    subjectForm = form(
      { class: 'stack', 'aria-label': 'Назначить учителя-предметника' },
      [subject.row, h('datalist', { id: 'subject-names' }, SUBJECTS.map((s) => h('option', { value: s }))), teacher.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Назначить учителя'))],
      async () => {
        const saved = await api.post(`/orgs/${org.id}/classes/${klass.id}/subjects`, { subject: subject.input.value.trim(), user_id: teacher.input.value });
        await render(body, ctx, klass.id, `${saved.subject} в ${klass.name}: ${nameText(names, saved.user_id, me)}`);
      },
      messages,
    );
  }

  // --- who is in the class, and the way in ------------------------------------------------
  const counts = h('p', { class: 'class-counts' },
    `В классе ${plural(klass.student_count || 0, ['ученик', 'ученика', 'учеников'])}, `,
    `${plural(klass.parent_count || 0, ['родитель', 'родителя', 'родителей'])} с привязкой к ученикам.`);
  const invite = (role, text) => h('a', { class: 'button secondary', href: `/admin/${org.id}/invites?class=${encodeURIComponent(klass.id)}&role=${role}`, 'data-link': true }, text);

  const title = h('h2', { id: 'class-card-title' }, `Класс ${klass.name}`);
  replace(
    body,
    back,
    status,
    h('section', { class: 'card class-card span-all', 'aria-labelledby': 'class-card-title' },
      title,
      klass.academic_year ? h('p', { class: 'meta' }, `Учебный год ${klass.academic_year}`) : null,
      counts),
    section('Классный руководитель', current, leadForm),
    section('Учителя-предметники', subjectList, subjectForm),
    section('Приглашения в класс',
      h('p', { class: 'hint' }, 'Ссылки и QR-коды для учеников и родителей этого класса создаются во вкладке «Приглашения».'),
      h('div', { class: 'actions' }, invite('student', 'Пригласить учеников'), invite('parent', 'Пригласить родителей'))),
  );
}
