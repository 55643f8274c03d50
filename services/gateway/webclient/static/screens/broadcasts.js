// «Трансляции» (/broadcasts, R-MEDIA-2): the broadcasts of the current organisation I may watch or
// present — live ones first with «Смотреть» (a presenter: «Вести трансляцию»), then the upcoming —
// and, for the administrator, «Запланировать трансляцию» (title, time, presenters, audience) and
// «Отменить». Who may watch is the server's to decide; this screen shows what it answers.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { checkbox, errorBox, field, form, messageArea, plural, when } from '../ui.js';
import { classes, classOptions, members, peopleNames } from './admin/common.js';

const STATUS = { live: 'Идёт сейчас', planned: 'Запланирована', cancelled: 'Отменена' };

/** «Вся школа», «Сотрудники», «5А, 6Б: ученики и родители». */
export function audienceText(audience, classNames = new Map()) {
  const parts = [];
  if (audience.whole_school) parts.push('Вся организация');
  if (audience.staff) parts.push('Сотрудники');
  if (audience.class_ids?.length) {
    const who = [audience.students ? 'ученики' : '', audience.parents ? 'родители' : ''].filter(Boolean).join(' и ');
    const names = audience.class_ids.map((id) => classNames.get(id) || 'класс').join(', ');
    parts.push(`${names}: ${who}`);
  }
  return parts.join('; ');
}

export async function render(main, ctx) {
  const org = ctx.currentOrg();
  if (!org) {
    replace(main, h('h1', {}, 'Трансляции'), h('p', {}, 'Вы пока не состоите ни в одной организации.'));
    return;
  }
  const admin = org.my_roles.includes('administrator');
  const list = h('div', { class: 'broadcast-list' });
  const messages = messageArea();
  replace(main, h('h1', {}, 'Трансляции'), messages.el, admin ? planPanel(org, ctx, () => refresh()) : null, list);

  let classNames = new Map();
  if (admin) {
    classNames = new Map((await classes(org.id).catch(() => [])).map((c) => [c.id, c.name]));
  }

  async function refresh() {
    let reply;
    try {
      reply = await api.get(`/orgs/${org.id}/broadcasts`);
    } catch (error) {
      replace(list, errorBox(error));
      return;
    }
    const items = reply.broadcasts;
    if (!items.length) {
      replace(list, h('p', { class: 'empty' }, admin ? 'Трансляций пока нет. Запланируйте первую.' : 'Для вас пока нет трансляций.'));
      return;
    }
    const names = await peopleNames(org.id, items.flatMap((b) => b.presenter_ids));
    replace(list, h('ul', { class: 'cards' }, items.map((b) => card(b, names))));
  }

  function card(b, names) {
    const presenters = b.presenter_ids.map((id) => names.get(id) || 'Ведущий').join(', ');
    const actions = h('div', { class: 'actions' });
    if (b.status !== 'cancelled') {
      const watch = h('a', { href: `/broadcasts/${b.id}/watch`, 'data-link': true, class: `button${b.status === 'live' ? ' primary' : ''}` }, b.i_present ? 'Вести трансляцию' : 'Смотреть');
      actions.append(watch);
    }
    if (b.may_manage && b.status !== 'cancelled') {
      const cancel = h('button', { type: 'button', class: 'danger small' }, 'Отменить');
      cancel.addEventListener('click', async () => {
        if (!window.confirm(`Отменить трансляцию «${b.title}»?`)) return;
        try {
          await api.post(`/broadcasts/${b.id}/cancel`);
          messages.ok('Трансляция отменена.');
          await refresh();
        } catch (error) {
          messages.error(error);
        }
      });
      actions.append(cancel);
    }
    const status = b.status === 'live' ? `${STATUS.live} · ${plural(b.viewer_count, ['участник', 'участника', 'участников'])}` : STATUS[b.status];
    return h(
      'li',
      { class: `card broadcast-card ${b.status}`, 'data-broadcast': b.id },
      h('h2', {}, b.title),
      h('p', { class: 'meta' }, `${when(b.starts_at)} · ${status}`),
      h('p', {}, `Ведущие: ${presenters}`),
      admin ? h('p', { class: 'meta' }, `Смотрят: ${audienceText(b.audience, classNames)}`) : null,
      actions,
    );
  }

  await refresh();
}

/** The administrator's form: title, start, presenters, audience. */
function planPanel(org, ctx, planned) {
  const messages = messageArea();
  const body = h('div', { class: 'broadcast-plan' }, h('p', { class: 'meta' }, 'Загружаем участников и классы…'));
  const details = h('details', { class: 'panel' }, h('summary', {}, 'Запланировать трансляцию'), body);
  details.addEventListener('toggle', async () => {
    if (!details.open || body.dataset.ready) return;
    body.dataset.ready = 'yes';
    let people;
    let list;
    try {
      [people, list] = await Promise.all([members(org.id), classes(org.id)]);
    } catch (error) {
      replace(body, errorBox(error));
      return;
    }
    const names = await peopleNames(org.id, people.map((m) => m.user_id));
    const staff = people.filter((m) => m.roles.some((r) => r !== 'student' && r !== 'parent'));
    const title = field('Название', { name: 'title', required: true, maxlength: 200, autocomplete: 'off' });
    const start = new Date(Date.now() + 10 * 60 * 1000);
    start.setSeconds(0, 0);
    const local = new Date(start.getTime() - start.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const startsAt = field('Начало', { name: 'starts_at', type: 'datetime-local', required: true, value: local });
    const presenterBoxes = staff.map((m) => ({ id: m.user_id, box: checkbox(names.get(m.user_id) || 'Имя не указано', { name: 'presenter', value: m.user_id }) }));
    const presenters = h('fieldset', { class: 'field' }, h('legend', {}, 'Ведущие'), presenterBoxes.map((p) => p.box.row), h('input', { type: 'hidden', name: 'presenter_ids' }));
    const whole = checkbox('Вся организация', { name: 'whole_school' });
    const staffBox = checkbox('Сотрудники', { name: 'staff' });
    const classBoxes = list.filter((c) => c.kind !== 'staff_room').map((c) => ({ id: c.id, box: checkbox(classOptions([c])[0][1], { name: 'class', value: c.id }) }));
    const students = checkbox('Ученики выбранных классов', { name: 'students', checked: true });
    const parents = checkbox('Родители учеников выбранных классов', { name: 'parents' });
    const audience = h(
      'fieldset',
      { class: 'field' },
      h('legend', {}, 'Кто смотрит'),
      whole.row,
      staffBox.row,
      classBoxes.length ? h('p', { class: 'hint' }, 'Классы:') : null,
      classBoxes.map((c) => c.box.row),
      classBoxes.length ? students.row : null,
      classBoxes.length ? parents.row : null,
      h('input', { type: 'hidden', name: 'audience' }),
    );
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Запланировать');
    const el = form({ class: 'stack' }, [title.row, startsAt.row, presenters, audience, submit], async () => {
      const classIds = classBoxes.filter((c) => c.box.input.checked).map((c) => c.id);
      await api.post(`/orgs/${org.id}/broadcasts`, {
        title: title.input.value.trim(),
        starts_at: new Date(startsAt.input.value).toISOString(),
        presenter_ids: presenterBoxes.filter((p) => p.box.input.checked).map((p) => p.id),
        audience: {
          whole_school: whole.input.checked,
          staff: staffBox.input.checked,
          class_ids: classIds,
          students: classIds.length > 0 && students.input.checked,
          parents: classIds.length > 0 && parents.input.checked,
        },
      });
      messages.ok(`Трансляция «${title.input.value.trim()}» запланирована.`);
      title.input.value = '';
      details.open = false;
      await planned();
    }, messages);
    replace(body, el);
  });
  return h('div', { class: 'broadcast-planning' }, details, messages.el);
}
