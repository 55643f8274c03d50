// The QR code of a link to this Parta (an invite link, R-INV-1), drawn by the gateway as SVG
// (POST /api/v1/qr) and shown through a blob: URL (the CSP allows img-src blob:), with «Печать»:
// the browser's print dialog with only the code, the link and its caption on the page.
import { request } from '../../api.js';
import { h, replace } from '../../dom.js';
import { messageArea } from '../../ui.js';

/** A figure that fills itself with the QR code of `link`; `caption` says what it is for. */
export function qrFigure(link, caption) {
  const messages = messageArea();
  const picture = h('div', { class: 'qr-picture' }, h('p', { class: 'muted' }, 'Рисуем QR-код…'));
  const print = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Печать');
  const figure = h('figure', { class: 'qr printable' },
    picture,
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
  request('POST', '/qr', { body: { text: link }, raw: true })
    .then((response) => response.blob())
    .then((svg) => {
      const url = URL.createObjectURL(svg);
      const image = h('img', { src: url, alt: `QR-код ссылки: ${caption}`, width: 220, height: 220 });
      image.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      replace(picture, image);
      print.disabled = false;
    })
    .catch((error) => {
      replace(picture);
      messages.error(error);
    });
  return figure;
}
