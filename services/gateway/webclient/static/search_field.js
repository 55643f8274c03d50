// The search field of the chat list's header: submitting opens the search screen (screens/search.js).
import { query } from './api.js';
import { h } from './dom.js';
import { field, form } from './ui.js';

export function searchField(ctx, { value = '' } = {}) {
  const { row, input } = field('Поиск по сообщениям', { type: 'search', name: 'q', value, maxlength: 200, required: true, autocomplete: 'off' });
  return form({ class: 'search-form', role: 'search', 'aria-label': 'Поиск по сообщениям' }, [
    row,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Найти')),
  ], async () => {
    ctx.go(`/search${query({ q: input.value.trim() })}`);
  });
}
