// The QR code of a link to this Parta (an invite link, R-INV-1), drawn by the gateway as SVG
// (POST /api/v1/qr) and shown through a blob: URL (the CSP allows img-src blob:). `qrFigure` adds
// «Печать»: the browser's print dialog with only the code, the link and its caption on the page.
// `qrPicture` is the code alone (the class handout, handout.js, prints it in its own layout).
import { request } from '../../api.js';
import { h, replace } from '../../dom.js';
import { messageArea } from '../../ui.js';

/**
 * A box that fills itself with the QR code of `link`; `alt` names it for screen readers.
 * Returns {el, ready}: `ready` resolves when the image is drawn (or rejects with the error).
 */
export function qrPicture(link, alt, size = 220) {
  const el = h('div', { class: 'qr-picture' }, h('p', { class: 'muted' }, 'Рисуем QR-код…'));
  const ready = request('POST', '/qr', { body: { text: link }, raw: true })
    .then((response) => response.blob())
    .then((svg) => {
      const url = URL.createObjectURL(svg);
      const image = h('img', { src: url, alt, width: size, height: size });
      image.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      replace(el, image);
      return image;
    });
  ready.catch(() => replace(el));
  return { el, ready };
}

/** A figure with the QR code of `link`, its caption and «Печать»; `caption` says what it is for. */
export function qrFigure(link, caption) {
  const messages = messageArea();
  const picture = qrPicture(link, `QR-код ссылки: ${caption}`);
  const print = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Печать');
  const figure = h('figure', { class: 'qr printable' },
    picture.el,
    h('figcaption', {}, h('span', {}, caption), h('span', { class: 'mono qr-link' }, link)),
    h('div', { class: 'actions no-print' }, print),
    messages.el);
  print.addEventListener('click', () => {
    document.body.classList.add('printing-qr');
    figure.classList.add('print-this');
    window.print();
    document.body.classList.remove('printing-qr');
    figure.classList.remove('print-this');
  });
  picture.ready.then(() => { print.disabled = false; }, (error) => messages.error(error));
  return figure;
}
