// Polls in a chat (R-CHAT-3) and «Просмотров: N» under channel posts, for screens/chat.js.
//
// A poll is a message whose text is its question. It is shown as a <fieldset> whose <legend> is the
// question, with a radio button (single choice) or a checkbox (multiple choice) per option, each
// with its count and a <meter> bar; «Голосовать» votes (again: the new vote replaces the old one),
// «Отозвать голос» takes it back, the author / moderators / administrators «Закрыть опрос», and in
// open (non-anonymous) polls those allowed see «Кто голосовал». A closed poll shows its results
// only. Live frames `poll_updated` carry new counts, never anyone's choices: mergePollUpdate keeps
// mine. Everything is built with textContent (dom.js): an option's text can never run.
import { api } from './api.js';
import { h, replace, uid } from './dom.js';
import { icon } from './icons.js';
import { personName } from './names.js';
import { checkbox, field, messageArea, when } from './ui.js';

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;

function plural(n, one, few, many) {
  const tens = n % 100;
  const units = n % 10;
  if (tens >= 11 && tens <= 14) return many;
  if (units === 1) return one;
  if (units >= 2 && units <= 4) return few;
  return many;
}

export function votesText(n) {
  return `${n} ${plural(n, 'голос', 'голоса', 'голосов')}`;
}

/** «Просмотров: N» under a channel post, for those the server gives the count to (else null). */
export function seenLine(message) {
  if (message.seen_count === null || message.seen_count === undefined || message.deleted) return null;
  return h(
    'p',
    { class: 'seen meta', title: 'Сколько участников канала прочитали это сообщение (не считая автора)' },
    `Просмотров: ${message.seen_count}`,
  );
}

/** A live `poll_updated` message merged into what I have: new counts, my own choices and rights. */
export function mergePollUpdate(known, update) {
  if (!known?.poll || !update?.poll) return known || update;
  return {
    ...known,
    poll: {
      ...update.poll,
      my_choices: known.poll.my_choices,
      may_close: known.poll.may_close,
      may_list_voters: known.poll.may_list_voters,
    },
  };
}

/** The poll of `message` inside a chat view (`view.add([message])` re-renders it). */
export function pollBlock(view, message) {
  const poll = message.poll;
  const base = `/chats/${view.chat.id}/messages/${message.seq}`;
  const name = uid('poll');
  const mine = new Set(poll.my_choices || []);
  const voted = mine.size > 0;
  const total = poll.total_voters;
  const notes = [poll.anonymous ? 'Анонимный опрос' : 'Открытый опрос', poll.multiple ? 'можно выбрать несколько вариантов' : 'один вариант'];
  if (poll.closed) notes.push('опрос закрыт');
  else if (poll.closes_at) notes.push(`закроется ${when(poll.closes_at)}`);
  const messages = messageArea();
  const inputs = [];
  const options = poll.options.map((option, index) => {
    const id = `${name}-${index}`;
    const input = h('input', {
      type: poll.multiple ? 'checkbox' : 'radio',
      name,
      id,
      value: String(index),
      checked: mine.has(index),
      disabled: poll.closed,
    });
    inputs.push(input);
    const share = total ? Math.round((option.votes / total) * 100) : 0;
    return h(
      'div',
      { class: `poll-option${mine.has(index) ? ' chosen' : ''}` },
      h('div', { class: 'check' }, input, h('label', { for: id }, option.text)),
      h(
        'div',
        { class: 'poll-result' },
        h('meter', { min: '0', max: String(Math.max(total, 1)), value: String(option.votes), 'aria-label': `${option.text}: ${votesText(option.votes)}` }),
        h('span', { class: 'meta' }, `${votesText(option.votes)} · ${share}%`),
      ),
    );
  });
  const form = h(
    'form',
    { class: 'poll', novalidate: true },
    h(
      'fieldset',
      { tabindex: '-1' },
      h('legend', {}, poll.question),
      h('p', { class: 'meta poll-notes' }, notes.join(' · ')),
      options,
      h('p', { class: 'meta poll-total', 'aria-live': 'polite' }, `Проголосовали: ${total}`),
    ),
  );
  const actions = h('div', { class: 'actions poll-actions' });
  const act = async (button, run) => {
    button.disabled = true;
    messages.clear();
    try {
      const reply = await run();
      if (reply) {
        view.add([reply]);
        view.nodes.get(message.seq)?.querySelector('.poll fieldset')?.focus();
      }
    } catch (error) {
      messages.error(error);
    } finally {
      button.disabled = false;
    }
  };
  if (!poll.closed) {
    const send = h('button', { type: 'submit', class: 'primary small' }, voted ? 'Изменить голос' : 'Голосовать');
    actions.append(send);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = inputs.filter((input) => input.checked).map((input) => Number(input.value));
      if (!chosen.length) {
        messages.error(new Error('Выберите вариант ответа'));
        return;
      }
      act(send, () => api.post(`${base}/votes`, { options: chosen }));
    });
    if (voted) {
      const retract = h('button', { type: 'button', class: 'small' }, 'Отозвать голос');
      retract.addEventListener('click', () => act(retract, () => api.del(`${base}/votes`)));
      actions.append(retract);
    }
    if (poll.may_close) {
      const close = h('button', { type: 'button', class: 'small' }, 'Закрыть опрос');
      close.addEventListener('click', () => act(close, () => api.post(`${base}/poll:close`)));
      actions.append(close);
    }
  } else {
    form.addEventListener('submit', (event) => event.preventDefault());
  }
  const voters = h('div', { class: 'poll-voters', hidden: true });
  if (poll.may_list_voters && total) {
    const show = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, 'Кто голосовал');
    show.addEventListener('click', async () => {
      if (!voters.hidden) {
        voters.hidden = true;
        show.setAttribute('aria-expanded', 'false');
        return;
      }
      try {
        const list = (await api.get(`${base}/poll/voters`)).voters;
        replace(
          voters,
          h(
            'ul',
            { class: 'plain' },
            list.map((voter) =>
              h('li', {}, personName(view.chat.organisation_id, voter.user_id), ': ', voter.options.map((i) => poll.options[i]?.text ?? i).join(', ')),
            ),
          ),
        );
        voters.hidden = false;
        show.setAttribute('aria-expanded', 'true');
      } catch (error) {
        messages.error(error);
      }
    });
    actions.append(show);
  }
  if (actions.childElementCount) form.append(actions);
  form.append(voters, messages.el);
  return form;
}

/** «Опрос» next to «Отправить»: opens the form to create a poll above the composer. */
export function pollButton(view) {
  const button = h('button', { type: 'button', class: 'icon-button', 'aria-expanded': 'false', 'aria-label': 'Опрос', title: 'Создать опрос' }, icon('poll'));
  button.addEventListener('click', () => {
    if (view.pollForm) {
      view.pollForm.querySelector('input')?.focus();
      return;
    }
    const form = pollForm(view, () => {
      form.remove();
      view.pollForm = null;
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    });
    view.pollForm = form;
    button.setAttribute('aria-expanded', 'true');
    view.bottom.before(form);
    form.querySelector('input')?.focus();
  });
  return button;
}

/** The form of a new poll: question, 2..10 options (add/remove), multiple choice, anonymous. */
export function pollForm(view, done) {
  const question = field('Вопрос', { name: 'question', maxlength: 300, required: true, autocomplete: 'off' });
  const list = h('ol', { class: 'poll-draft-options' });
  const add = h('button', { type: 'button', class: 'small' }, 'Добавить вариант');
  const renumber = () => {
    const rows = [...list.children];
    rows.forEach((row, index) => {
      row.querySelector('label').textContent = `Вариант ${index + 1}`;
      row.querySelector('button').disabled = rows.length <= MIN_OPTIONS;
      row.querySelector('button').setAttribute('aria-label', `Удалить вариант ${index + 1}`);
    });
    add.disabled = rows.length >= MAX_OPTIONS;
  };
  const addOption = (focus) => {
    const option = field('Вариант', { name: 'option', maxlength: 100, autocomplete: 'off' });
    const remove = h('button', { type: 'button', class: 'link' }, 'Удалить');
    const row = h('li', { class: 'poll-draft-option' }, option.row, remove);
    remove.addEventListener('click', () => {
      row.remove();
      renumber();
      list.querySelector('input')?.focus();
    });
    list.append(row);
    renumber();
    if (focus) option.input.focus();
  };
  add.addEventListener('click', () => addOption(true));
  addOption(false);
  addOption(false);
  const multiple = checkbox('Можно выбрать несколько вариантов', { name: 'multiple' });
  const anonymous = checkbox('Анонимный опрос: никто, даже автор, не узнает, кто как голосовал', { name: 'anonymous' });
  const publish = h('button', { type: 'submit', class: 'primary small' }, 'Опубликовать опрос');
  const cancel = h('button', { type: 'button', class: 'small' }, 'Отмена');
  cancel.addEventListener('click', done);
  const messages = messageArea();
  const form = h(
    'form',
    { class: 'poll-form card', 'aria-label': 'Новый опрос', novalidate: true },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Новый опрос'),
      question.row,
      h('fieldset', { class: 'poll-draft' }, h('legend', {}, 'Варианты ответа (от 2 до 10)'), list, h('div', { class: 'actions' }, add)),
      multiple.row,
      anonymous.row,
    ),
    h('div', { class: 'actions' }, publish, cancel),
    messages.el,
  );
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') done();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      question: question.input.value.trim(),
      options: [...list.querySelectorAll('input')].map((input) => input.value.trim()).filter(Boolean),
      multiple: multiple.input.checked,
      anonymous: anonymous.input.checked,
    };
    if (!body.question) {
      messages.error(new Error('Напишите вопрос опроса'));
      question.input.focus();
      return;
    }
    if (body.options.length < MIN_OPTIONS) {
      messages.error(new Error('В опросе нужно не меньше двух вариантов ответа'));
      return;
    }
    publish.disabled = true;
    messages.clear();
    try {
      const posted = await api.post(`/chats/${view.chat.id}/polls`, body);
      view.readMark = Math.max(view.readMark, posted.seq);
      view.add([posted]);
      view.scrollDown();
      done();
    } catch (error) {
      messages.error(error);
    } finally {
      publish.disabled = false;
    }
  });
  return form;
}
