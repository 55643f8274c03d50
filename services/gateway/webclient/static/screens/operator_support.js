// The operator's list of support requests from every organisation (R-PRIV-4), `/operator/support`:
// by status, answer and move the status. Authors are shown by number (the operator is not a member
// of their organisation, R-PRIV-1).
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { field, messageArea } from '../ui.js';
import { operatorTabs } from './operator_statistics.js';
import { requestList } from './support.js';

export async function render(main) {
  const top = messageArea();
  const list = h('div', {});
  const filter = field('Показать', { name: 'support_status' }, {
    kind: 'select',
    options: [['open', 'Новые'], ['in_progress', 'В работе'], ['resolved', 'Решённые'], ['', 'Все']],
  });
  async function fill() {
    const status = filter.input.value;
    const { requests } = await api.get(`/support-requests${status ? `?status=${status}` : ''}`);
    // Operator staff see organisations' details (not their members): name each request's school.
    const ids = [...new Set(requests.map((r) => r.organisation_id))];
    const names = await Promise.all(ids.map((id) => api.get(`/orgs/${id}`).then((o) => o.name, () => null)));
    const orgNames = Object.fromEntries(ids.map((id, index) => [id, names[index]]).filter(([, name]) => name));
    replace(list, requestList('Обращения к оператору', requests, {
      orgNames,
      answerable: true,
      showAuthor: true,
      onSaved: async (saved) => {
        await fill();
        top.ok(`Обращение «${saved.subject}» сохранено`);
      },
    }));
  }
  filter.input.addEventListener('change', () => fill().catch((error) => top.error(error)));
  replace(
    main,
    h('h1', {}, 'Обращения к оператору'),
    operatorTabs('support'),
    h('div', { class: 'toolbar' }, filter.row),
    top.el,
    list,
  );
  await fill();
}
