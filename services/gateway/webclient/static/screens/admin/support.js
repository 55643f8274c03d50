// Support requests to the administrator (R-PRIV-4): by status, with the answer and the status set
// here; the author reads the answer on their «Поддержка» page. Requests to the operator are not
// shown (they may be about the administrator).
import { api } from '../../api.js';
import { h, replace } from '../../dom.js';
import { field, messageArea, section } from '../../ui.js';
import { requestList } from '../support.js';
import { countsChanged } from './common.js';

export async function render(body, ctx) {
  const org = ctx.organisation;
  const top = messageArea();
  const list = h('div', {});
  const filter = field('Показать', { name: 'support_status' }, {
    kind: 'select',
    options: [['', 'Все'], ['open', 'Новые'], ['in_progress', 'В работе'], ['resolved', 'Решённые']],
  });
  async function fill() {
    const status = filter.input.value;
    const { requests } = await api.get(`/orgs/${org.id}/support-requests?addressee=administrator${status ? `&status=${status}` : ''}`);
    const toMe = requests.filter((r) => r.addressee === 'administrator');
    replace(list, requestList('Обращения к администратору', toMe, {
      org: org.id,
      answerable: true,
      showAuthor: true,
      onSaved: async (saved) => {
        await fill();
        countsChanged(list);
        top.ok(`Обращение «${saved.subject}» сохранено`);
      },
    }));
  }
  filter.input.addEventListener('change', () => fill().catch((error) => top.error(error)));
  const requests = section('Обращения к администратору', h('div', { class: 'toolbar' }, filter.row), list);
  requests.classList.add('span-all');
  replace(body, top.el, requests);
  await fill();
}
