// Files on messages (R-CHAT-3): the composer's «Прикрепить файл» with upload progress and the list of
// files waiting to be sent, and how a message shows its files — image thumbnails, documents and media
// as download links with name and size.
//
// Files are fetched with the bearer token (never a token in a URL) and shown from blob: URLs (the CSP
// allows img-src blob:). Uploads go as the raw body (XMLHttpRequest for progress), the name in
// X-Filename; the server decides the type from the bytes and answers with Russian errors.
import { errorText, refreshSession, session } from './api.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';

const BASE = '/api/v1';
const MAX_FILES = 10;
const LARGEST = 200 * 1024 * 1024; // the server's largest limit (video); each kind has its own
const blobs = new Map(); // url → Promise<object URL>, kept for the page's life

/** "1,5 МБ" */
export function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} Б`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString('ru-RU', { maximumFractionDigits: 0 })} КБ`;
  return `${(bytes / 1024 / 1024).toLocaleString('ru-RU', { maximumFractionDigits: 1 })} МБ`;
}

async function authorizedBlob(url, retried = false) {
  const token = session()?.access_token;
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401 && !retried && (await refreshSession())) return authorizedBlob(url, true);
  if (!response.ok) {
    let message = response.status === 404 ? 'Файл больше недоступен' : `Ошибка ${response.status}`;
    try {
      message = (await response.json()).error?.message || message;
    } catch {
      // not JSON: keep the generic text
    }
    throw new Error(message);
  }
  return URL.createObjectURL(await response.blob());
}

function blobUrl(url) {
  if (!blobs.has(url)) {
    const pending = authorizedBlob(url);
    pending.catch(() => blobs.delete(url)); // try again next time
    blobs.set(url, pending);
  }
  return blobs.get(url);
}

/** Download (or open) a file with the token: a temporary <a download> on a blob: URL. */
async function saveFile(attachment, status) {
  status.textContent = 'Загружается…';
  try {
    const url = await blobUrl(attachment.url);
    const link = h('a', { href: url, download: attachment.name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    status.textContent = '';
  } catch (error) {
    status.textContent = errorText(error);
  }
}

function fileLink(attachment) {
  const status = h('span', { class: 'attachment-status meta', role: 'status' });
  const label = `${attachment.name} (${fileSize(attachment.size)})`;
  const link = h('a', { href: attachment.url, class: 'attachment-link', download: attachment.name }, label);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    saveFile(attachment, status);
  });
  return h('li', { class: 'attachment-file' }, link, ' ', status);
}

function imagePreview(attachment) {
  const status = h('span', { class: 'attachment-status meta', role: 'status' });
  const img = h('img', {
    class: 'attachment-thumb',
    alt: `Изображение: ${attachment.name}`,
    width: previewSize(attachment).width,
    height: previewSize(attachment).height,
  });
  blobUrl(attachment.thumbnail_url)
    .then((url) => {
      img.src = url;
    })
    .catch((error) => {
      status.textContent = errorText(error);
    });
  const link = h(
    'a',
    { href: attachment.url, class: 'attachment-image', 'aria-label': `Открыть изображение ${attachment.name} (${fileSize(attachment.size)})` },
    img,
  );
  link.addEventListener('click', (event) => {
    event.preventDefault();
    saveFile(attachment, status);
  });
  return h('li', { class: 'attachment-picture' }, link, status);
}

function previewSize({ width, height }) {
  if (!width || !height) return { width: 320, height: 240 };
  const scale = Math.min(1, 320 / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** The files of a message: pictures first as thumbnails, then the rest as links. */
export function attachmentsNode(attachments) {
  if (!attachments?.length) return null;
  return h(
    'ul',
    { class: 'attachments', 'aria-label': 'Вложения' },
    attachments.map((a) => (a.kind === 'image' && a.thumbnail_url ? imagePreview(a) : fileLink(a))),
  );
}

function upload(chatId, file, onProgress, retried = false) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${BASE}/chats/${encodeURIComponent(chatId)}/attachments`);
    const token = session()?.access_token;
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('X-Filename', encodeURIComponent(file.name));
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(Math.floor((event.loaded / event.total) * 100));
    });
    xhr.addEventListener('load', async () => {
      if (xhr.status === 401 && !retried && (await refreshSession())) {
        upload(chatId, file, onProgress, true).then(resolve, reject);
        return;
      }
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 201 && body) resolve(body);
      else reject(new Error(body?.error?.message || `Не удалось загрузить файл (ошибка ${xhr.status})`));
    });
    xhr.addEventListener('error', () => reject(new Error('Нет связи с сервером: файл не загружен')));
    xhr.send(file);
  });
}

/**
 * The composer's part: «Прикрепить файл» (an icon button) and the files waiting to be sent. `ids()` are the uploaded
 * ones, `busy()` says an upload is still running, `clear()` after sending.
 */
export function attachmentPicker(chatId) {
  const items = []; // {file, id, state: 'uploading'|'done'|'failed', node}
  const input = h('input', { type: 'file', multiple: true, hidden: true, 'aria-label': 'Выбрать файлы' });
  const button = h('button', { type: 'button', class: 'icon-button attach', 'aria-label': 'Прикрепить файл', title: 'Прикрепить файл' }, icon('attach'));
  const list = h('ul', { class: 'pending-attachments', 'aria-label': 'Файлы к отправке', 'aria-live': 'polite' });
  list.hidden = true;
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    for (const file of input.files) add(file);
    input.value = '';
  });

  function render() {
    list.hidden = items.length === 0;
  }

  function add(file) {
    const status = h('span', { class: 'meta' });
    const remove = h('button', { type: 'button', class: 'link', 'aria-label': `Убрать файл ${file.name}` }, 'Убрать');
    const node = h('li', { class: 'pending-attachment' }, h('span', { class: 'name' }, `${file.name} (${fileSize(file.size)})`), ' ', status, ' ', remove);
    const item = { file, id: null, state: 'uploading', node };
    remove.addEventListener('click', () => {
      items.splice(items.indexOf(item), 1);
      node.remove();
      render();
      button.focus();
    });
    items.push(item);
    list.append(node);
    render();
    if (items.length > MAX_FILES) return fail(item, status, `К сообщению можно прикрепить не больше ${MAX_FILES} файлов`);
    if (file.size === 0) return fail(item, status, 'Пустой файл');
    if (file.size > LARGEST) return fail(item, status, 'Файл слишком большой: не больше 200 МБ');
    status.textContent = 'Загружается… 0%';
    upload(chatId, file, (percent) => {
      status.textContent = `Загружается… ${percent}%`;
    }).then(
      (attachment) => {
        item.id = attachment.id;
        item.state = 'done';
        status.textContent = 'Загружен';
      },
      (error) => fail(item, status, errorText(error)),
    );
  }

  function fail(item, status, text) {
    item.state = 'failed';
    status.className = 'error-text';
    status.textContent = `Ошибка: ${text}`;
  }

  return {
    // The composer places the parts: the button beside the text, the list of files above it.
    button,
    input,
    list,
    ids: () => items.filter((i) => i.state === 'done').map((i) => i.id),
    busy: () => items.some((i) => i.state === 'uploading'),
    failed: () => items.some((i) => i.state === 'failed'),
    clear() {
      items.length = 0;
      replace(list);
      render();
    },
  };
}
