// A broadcast's screen (/broadcasts/<id>/watch, R-MEDIA-2): the call screen (call.js) in a broadcast's
// mode. A presenter gets the call's publish controls and the viewers' questions (asked again every
// few seconds, «Скрыть» on each); a viewer sees the presenters' video only — no microphone, camera or
// screen (the server lets viewers receive only) — and a «Задать вопрос» box with their own questions.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { nameOf } from '../names.js';
import { clock, errorBox, plural } from '../ui.js';
import { CallView } from './call.js';

const QUESTIONS_MS = 3000;

export async function render(main, ctx, broadcastId) {
  const view = new BroadcastView(main, ctx, broadcastId);
  ctx.onLeave(() => view.stop());
  await view.start();
}

class BroadcastView extends CallView {
  async load() {
    this.broadcast = await api.get(`/broadcasts/${encodeURIComponent(this.chatId)}`).catch(() => null);
    return this.broadcast ? { title: this.broadcast.title, member: true, back: 'К трансляциям' } : null;
  }

  joinCall() {
    return api.post(`/broadcasts/${encodeURIComponent(this.chatId)}/join`);
  }

  backPath() {
    return '/broadcasts';
  }

  heading() {
    return this.broadcast ? `Трансляция «${this.broadcast.title}»` : 'Трансляция';
  }

  listenOnlyText() {
    return 'Вы зритель: вы видите и слышите ведущих и можете задать им вопрос.';
  }

  closedText(reason) {
    if (reason === 'call_ended') return 'Трансляция завершена.';
    if (reason === 'left') return 'Вы вышли из трансляции.';
    return super.closedText(reason);
  }

  /** Only the presenters (who may publish) get a tile; a viewer does not see themselves. */
  shows(participant) {
    return Boolean(participant?.may_publish);
  }

  showsMe() {
    return Boolean(this.publish);
  }

  tick() {
    const viewers = [...this.participants.values()].filter((p) => !p.may_publish).length;
    this.meta.textContent = `Трансляция · ${plural(viewers, ['зритель', 'зрителя', 'зрителей'])}`;
  }

  build() {
    super.build();
    this.controls.querySelector('.call-toggle[aria-controls="call-people"]')?.setAttribute('hidden', '');
    this.handButton.hidden = true;
    this.questions = this.publish || this.broadcast?.may_manage ? this.questionsPanel() : this.askPanel();
    // Beside the video on a desktop, under it on a phone (broadcast.css).
    const body = this.main.querySelector('.call-body');
    body?.classList.add('broadcast-body');
    body?.append(this.questions);
  }

  // --- a viewer: «Задать вопрос» -------------------------------------------------------------
  askPanel() {
    const input = h('textarea', { id: 'broadcast-question', name: 'text', rows: 2, maxlength: 1000, required: true, placeholder: 'Ваш вопрос ведущим' });
    const submit = h('button', { type: 'submit', class: 'primary small' }, 'Задать вопрос');
    const result = h('div', { 'aria-live': 'polite' });
    this.mine = h('ul', { class: 'broadcast-questions mine' });
    const el = h('form', { class: 'broadcast-ask', novalidate: true }, h('label', { for: 'broadcast-question' }, 'Задать вопрос'), input, submit, result);
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      submit.disabled = true;
      try {
        const question = await api.post(`/broadcasts/${this.chatId}/questions`, { text });
        input.value = '';
        replace(result, h('p', { class: 'alert ok', role: 'status' }, 'Вопрос отправлен ведущим.'));
        this.mine.append(h('li', { 'data-question': question.id }, question.text));
      } catch (error) {
        replace(result, errorBox(error));
      } finally {
        submit.disabled = false;
      }
    });
    return h('section', { class: 'broadcast-side', 'aria-label': 'Вопросы' }, el, this.mine);
  }

  // --- a presenter: the questions, live ------------------------------------------------------
  questionsPanel() {
    this.questionList = h('ul', { class: 'broadcast-questions' });
    this.questionTitle = h('h2', {}, 'Вопросы зрителей');
    const panel = h('section', { class: 'broadcast-side', 'aria-labelledby': 'broadcast-questions-title' }, this.questionTitle, this.questionList);
    this.questionTitle.id = 'broadcast-questions-title';
    this.loadQuestions();
    const timer = window.setInterval(() => this.loadQuestions(), QUESTIONS_MS);
    this.stops.push(() => window.clearInterval(timer));
    return panel;
  }

  async loadQuestions() {
    let reply;
    try {
      reply = await api.get(`/broadcasts/${this.chatId}/questions`);
    } catch {
      return; // asked again in a moment
    }
    if (this.closed) return;
    const items = reply.questions;
    this.questionTitle.textContent = items.length ? `Вопросы зрителей (${items.length})` : 'Вопросы зрителей';
    if (!items.length) {
      replace(this.questionList, h('li', { class: 'empty' }, 'Вопросов пока нет.'));
      return;
    }
    replace(this.questionList, items.map((q) => this.questionRow(q)));
  }

  questionRow(q) {
    const author = h('span', { class: 'person-name' }, '…');
    nameOf(this.org, q.author_id).then((name) => {
      author.textContent = name;
    });
    const hide = h('button', { type: 'button', class: 'secondary small' }, 'Скрыть');
    hide.addEventListener('click', async () => {
      hide.disabled = true;
      try {
        await api.post(`/broadcasts/${this.chatId}/questions/${q.id}/hide`);
        await this.loadQuestions();
      } catch (error) {
        this.note(error);
        hide.disabled = false;
      }
    });
    return h('li', { class: 'broadcast-question', 'data-question': q.id }, h('p', { class: 'meta' }, author, ` · ${clock(q.asked_at)}`), h('p', { class: 'question-text' }, q.text), hide);
  }
}
