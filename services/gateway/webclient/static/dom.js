// A tiny DOM helper: elements are built with properties and textContent only. There is no way
// to pass HTML here, so text from the server (names, labels, messages) can never run.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'required', 'multiple']);

/** h('button', {class: 'primary', onclick: fn}, 'Текст', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  let value;
  for (const [key, val] of Object.entries(props || {})) {
    if (val === undefined || val === null || val === false) continue;
    if (key === 'innerHTML' || key === 'outerHTML' || key === 'srcdoc') {
      throw new Error('h(): HTML is not accepted, only text');
    }
    if (key === 'class') el.className = val;
    else if (key === 'text') el.textContent = String(val);
    else if (key === 'value') value = val;
    else if (key.startsWith('on') && typeof val === 'function') el.addEventListener(key.slice(2), val);
    else if (PROPERTIES.has(key)) el[key] = val;
    else el.setAttribute(key, val === true ? '' : String(val));
  }
  append(el, children);
  // After the children: a <select>'s value needs its options.
  if (value !== undefined) el.value = value;
  return el;
}

/** Append strings (as text nodes), nodes and (nested) arrays; null and false are skipped. */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace everything inside `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let counter = 0;
/** A unique element id (labels point at inputs by id). */
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}
