// "Подключить организацию": any signed-in person sends an organisation's application with its
// appointing order (R-ORG-2); the operator decides.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, messageArea } from '../ui.js';

const TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
const MAX_BYTES = 10 * 1024 * 1024;

export function render(main) {
  const messages = messageArea();
  const kind = field('Тип организации', { name: 'kind', required: true }, {
    kind: 'select',
    options: [['school', 'Школа'], ['kindergarten', 'Детский сад'], ['additional_education', 'Центр дополнительного образования']],
  });
  const name = field('Полное название', { name: 'name', required: true, maxlength: '300' });
  const region = field('Регион', { name: 'region', required: true, maxlength: '120', autocomplete: 'address-level1' });
  const address = field('Адрес', { name: 'address', required: true, maxlength: '300', autocomplete: 'street-address' });
  const taxId = field('ИНН', { name: 'tax_id', required: true, inputmode: 'numeric', maxlength: '12' }, { hint: '10 цифр' });
  const admin = field('ФИО назначенного администратора', { name: 'admin_full_name', required: true, maxlength: '150' });
  const email = field('E-mail администратора', { name: 'admin_email', type: 'email', required: true, maxlength: '254' });
  const phone = field('Мобильный телефон администратора', { name: 'admin_phone', type: 'tel', required: true, maxlength: '25' }, { hint: 'Администратором станет тот, кто войдёт с этим номером.' });
  const order = field('Приказ о назначении (PDF, JPEG или PNG, до 10 МБ)', { name: 'appointing_order', type: 'file', required: true, accept: TYPES.join(',') });
  const el = form(
    { class: 'stack', 'aria-label': 'Заявка на подключение' },
    [kind.row, name.row, region.row, address.row, taxId.row, admin.row, email.row, phone.row, order.row,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Отправить заявку'))],
    async () => {
      const file = order.input.files[0];
      if (!TYPES.includes(file.type)) throw new Error('Приказ должен быть в формате PDF, JPEG или PNG');
      if (file.size > MAX_BYTES) throw new Error('Файл приказа больше 10 МБ');
      const application = await api.post('/applications', {
        kind: kind.input.value,
        name: name.input.value.trim(),
        region: region.input.value.trim(),
        address: address.input.value.trim(),
        tax_id: taxId.input.value.trim(),
        admin_full_name: admin.input.value.trim(),
        admin_email: email.input.value.trim(),
        admin_phone: phone.input.value.trim(),
        appointing_order: { file_name: file.name, content_type: file.type, content_base64: await base64(file) },
      });
      replace(
        main,
        h('h1', {}, 'Заявка отправлена'),
        h('div', { class: 'card' },
          h('p', {}, 'Заявка «', application.name, '» передана оператору. Когда её одобрят, администратор войдёт в Парту с указанным телефоном.'),
          h('p', { class: 'meta' }, `Номер заявки: ${application.id}`)),
      );
    },
    messages,
  );
  replace(
    main,
    h('h1', {}, 'Подключить организацию'),
    h('p', { class: 'lead' }, 'Школа, детский сад или центр дополнительного образования подаёт заявку региональному оператору.'),
    h('div', { class: 'card' }, el, messages.el),
  );
}

/** The file's bytes as base64 (FileReader gives a data: URL; the part after the comma). */
function base64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(new Error('Не удалось прочитать файл'));
    reader.readAsDataURL(file);
  });
}
