// Icons as inline SVG built with DOM APIs (no markup strings, no inline styles: the CSP allows it).
// An icon is decoration: it is hidden from screen readers, and the button or link that holds it
// carries the name (aria-label or visible text).

const NS = 'http://www.w3.org/2000/svg';

// 24×24 outline paths (drawn for Парта; stroke-based, so one colour through `currentColor`).
const PATHS = {
  send: ['M4 12 20 4l-4 16-4-7-8-1z', 'M12 13 20 4'],
  attach: ['M20 11.5 12 19.5a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L9.7 17.2a1.7 1.7 0 0 1-2.4-2.4L15 7'],
  poll: ['M5 20V11', 'M12 20V4', 'M19 20v-6'],
  more: ['M6 12h.01', 'M12 12h.01', 'M18 12h.01'],
  back: ['M15 5 8 12l7 7'],
  chats: ['M4 5h16v11H9l-5 4z'],
  school: ['M3 10 12 4l9 6', 'M5 10v9h14v-9', 'M10 19v-5h4v5'],
  admin: ['M12 3 5 6v5c0 4.5 3 8 7 10 4-2 7-5.5 7-10V6z', 'M9 12l2 2 4-4'],
  operator: ['M4 20V8l8-4 8 4v12', 'M9 20v-6h6v6', 'M8 10h.01', 'M16 10h.01'],
  profile: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 20c1.5-4 4.5-6 8-6s6.5 2 8 6'],
  info: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 11v6', 'M12 7.5h.01'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  retry: ['M4 12a8 8 0 1 0 2.3-5.6', 'M4 4v5h5'],
  stats: ['M4 20h16', 'M7 16v-5', 'M12 16V7', 'M17 16v-3'],
  // Calls (screens/call.js).
  phone: ['M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z'],
  mic: ['M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z', 'M5 11a7 7 0 0 0 14 0', 'M12 18v3'],
  'mic-off': ['M15 9.5V6a3 3 0 0 0-5.7-1.3', 'M9 9v3a3 3 0 0 0 4.6 2.5', 'M5 11a7 7 0 0 0 11 5.7', 'M19 11a7 7 0 0 1-.7 3', 'M12 18v3', 'M3 3l18 18'],
  camera: ['M3 7h12v10H3z', 'M15 10l6-3v10l-6-3'],
  'camera-off': ['M3 7h12v10H3z', 'M15 10l6-3v10l-6-3', 'M3 3l18 18'],
  screen: ['M3 4h18v12H3z', 'M8 20h8', 'M12 16v4'],
  hand: ['M8 13V5.5a1.5 1.5 0 0 1 3 0V11', 'M11 10V4a1.5 1.5 0 0 1 3 0v7', 'M14 10.5V6a1.5 1.5 0 0 1 3 0v7a7 7 0 0 1-7 7 6 6 0 0 1-5-3l-2-4a1.5 1.5 0 0 1 2.6-1.5L8 13'],
  people: ['M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z', 'M2 20c1-3.5 3.8-5.5 7-5.5s6 2 7 5.5', 'M16 4.5a3.5 3.5 0 0 1 0 6.5', 'M18 14.8c2 .7 3.3 2.5 4 5.2'],
  settings: ['M4 6h10', 'M18 6h2', 'M4 12h4', 'M12 12h8', 'M4 18h12', 'M20 18h0', 'M16 4v4', 'M10 10v4', 'M18 16v4'],
  leave: ['M5 15c4-4 10-4 14 0l-2 3-3-1.5v-2.5a9 9 0 0 0-4 0v2.5L7 18z'],
};

/** <svg class="icon icon-NAME" aria-hidden="true"> with the named outline. */
export function icon(name) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}
