// Sign-in by a one-time code to a phone or an e-mail (R-PRIV-3); a primary-school student may use a
// parent's e-mail with their own name (R-INV-4). In development the dev mailbox shows the codes.
// Someone signing in without a name in their profile gives it right after the code.
import { api, ApiError, saveSession } from '../api.js';
import { h, replace } from '../dom.js';
import { nameForm, needsName } from '../name_step.js';
import { busy, checkbox, field, form, messageArea, when } from '../ui.js';

/** The whole sign-in screen (an <h1> and the form). */
export function screen(ctx, { next = '/' } = {}) {
  return h(
    'div',
    { class: 'narrow' },
    h('h1', {}, 'Вход в Парту'),
    h('p', { class: 'lead' }, 'Школьное общение без рекламы и посторонних. Войдите по одноразовому коду — пароль не нужен.'),
    signInForm({ onDone: () => ctx.signedIn(next) }),
  );
}

/** The two-step form; `onDone` runs once the tokens are saved. */
export function signInForm({ onDone, level = 'h2' }) {
  const root = h('div', { class: 'card signin' });
  const messages = messageArea();
  let request = null; // {destination, child}

  function askStep() {
    const destination = field('Телефон или e-mail', {
      name: 'destination',
      required: true,
      autocomplete: 'username',
      placeholder: '+7 900 000-00-00 или name@example.ru',
      value: request?.destination || '',
    });
    const childBox = checkbox('Я ученик и вхожу с e-mail родителя', { name: 'as-child', checked: Boolean(request?.child) });
    const first = field('Имя ученика', { name: 'first_name', autocomplete: 'given-name', value: request?.child?.first_name || '' });
    const last = field('Фамилия ученика', { name: 'last_name', autocomplete: 'family-name', value: request?.child?.last_name || '' });
    const childFields = h(
      'fieldset',
      { class: 'child', hidden: !request?.child },
      h('legend', {}, 'Ученик'),
      h('p', { class: 'hint' }, 'Код придёт на e-mail родителя, а в Парте будет ваш собственный профиль.'),
      first.row,
      last.row,
    );
    childBox.input.addEventListener('change', () => {
      childFields.hidden = !childBox.input.checked;
      first.input.required = childBox.input.checked;
      last.input.required = childBox.input.checked;
    });
    first.input.required = last.input.required = Boolean(request?.child);
    const haveCode = h('button', { type: 'button', class: 'link', hidden: true }, 'У меня уже есть код');
    haveCode.addEventListener('click', () => codeStep({ sent_to: request.destination, expires_in: 0, resend_after: 0 }));
    const el = form(
      { class: 'stack', 'aria-label': 'Получить код' },
      [
        destination.row,
        childBox.row,
        childFields,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Получить код'), haveCode),
      ],
      async () => {
        const child = childBox.input.checked
          ? { first_name: first.input.value.trim(), last_name: last.input.value.trim() }
          : null;
        request = { destination: destination.input.value.trim(), child };
        try {
          const sent = await api.post('/auth/code', { destination: request.destination, child }, { auth: false });
          codeStep(sent);
        } catch (error) {
          if (error instanceof ApiError && error.status === 429) haveCode.hidden = false;
          throw error;
        }
      },
      messages,
    );
    replace(root, h(level, {}, 'Получить код'), el, messages.el);
    destination.input.focus();
  }

  function codeStep(sent) {
    messages.clear();
    const code = field(
      'Код из сообщения',
      { name: 'code', required: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '16', pattern: '[0-9 \\-]*' },
      { hint: sent.expires_in ? `Код действует ${Math.round(sent.expires_in / 60)} мин.` : '' },
    );
    const again = h('button', { type: 'button', class: 'secondary' }, 'Отправить код ещё раз');
    let wait = sent.resend_after || 0;
    let timer = null;
    const tick = () => {
      clearTimeout(timer);
      again.disabled = wait > 0;
      again.textContent = wait > 0 ? `Отправить ещё раз через ${wait} с` : 'Отправить код ещё раз';
      if (wait > 0) {
        wait -= 1;
        timer = setTimeout(() => root.contains(again) && tick(), 1000);
      }
    };
    tick();
    again.addEventListener('click', () =>
      busy(
        again,
        async () => {
          const resent = await api.post('/auth/code', request, { auth: false });
          messages.ok(`Новый код отправлен: ${resent.sent_to}`);
          wait = resent.resend_after;
          tick();
        },
        messages,
      ),
    );
    const change = h('button', { type: 'button', class: 'link' }, 'Изменить телефон или e-mail');
    change.addEventListener('click', askStep);
    const el = form(
      { class: 'stack', 'aria-label': 'Ввести код' },
      [
        h('p', {}, 'Код отправлен: ', h('strong', {}, sent.sent_to)),
        code.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Войти'), again),
        change,
      ],
      async () => {
        const tokens = await api.post(
          '/auth/token',
          { ...request, code: code.input.value.trim(), device_name: deviceName() },
          { auth: false },
        );
        saveSession(tokens);
        // The first sign-in of someone without a name asks it before going on (names at the door).
        const me = await api.get('/me');
        if (needsName(me)) replace(root, nameForm({ onDone: () => onDone(tokens), level }));
        else await onDone(tokens);
      },
      messages,
    );
    replace(root, h(level, {}, 'Введите код'), el, messages.el);
    devMailbox(root, el, request.destination);
    code.input.focus();
  }

  askStep();
  return root;
}

function deviceName() {
  const agent = navigator.userAgent;
  const browser = /Firefox\//.test(agent) ? 'Firefox' : /Edg\//.test(agent) ? 'Edge' : /Chrom/.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : 'Браузер';
  const system = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Windows/.test(agent) ? 'Windows' : /Mac OS/.test(agent) ? 'macOS' : /Linux/.test(agent) ? 'Linux' : '';
  return [browser, system].filter(Boolean).join(', ');
}

/** Development only: the messages the dev mailbox holds for `destination` (404 outside dev mode). */
async function devMailbox(root, codeForm, destination) {
  const list = h('ul', { class: 'mail' });
  const refresh = h('button', { type: 'button', class: 'secondary small' }, 'Обновить');
  const panel = h(
    'section',
    { class: 'devmail', 'aria-labelledby': 'devmail-title' },
    h('div', { class: 'row' }, h('h3', { id: 'devmail-title' }, 'Почтовый ящик разработчика'), refresh),
    h('p', { class: 'hint' }, 'Только в режиме разработки: сюда приходят коды, которые в рабочей установке ушли бы в SMS или на почту.'),
    list,
  );
  async function fill() {
    const box = await api.get(`/dev/mailbox?destination=${encodeURIComponent(destination)}`, { auth: false });
    replace(
      list,
      box.messages.length === 0
        ? h('li', { class: 'muted' }, 'Писем пока нет: в этой установке коды уходят настоящим отправителям.')
        : box.messages.slice(0, 5).map((m) => h('li', {}, h('span', { class: 'meta' }, `${m.destination} · ${when(m.sent_at)}`), h('span', { class: 'text' }, m.text))),
    );
  }
  try {
    await fill();
  } catch {
    return; // not development mode: no panel
  }
  refresh.addEventListener('click', () => busy(refresh, fill).catch(() => {}));
  if (root.contains(codeForm)) root.appendChild(panel);
}
