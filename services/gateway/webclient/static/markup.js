// The small markup of messages (R-CHAT-3), rendered as DOM nodes and never as HTML: *жирный*,
// _курсив_, `код`, and http(s) links. Everything else — tags, entities, javascript: URLs — stays
// the text it is. The server stores and returns the text exactly as written; only this file gives
// the few marks their meaning, so an old client shows them as plain characters and loses nothing.

import { h } from './dom.js';

// A link: http(s) only, up to the first space or a closing bracket; trailing punctuation is left out.
const LINK = /https?:\/\/[^\s<>"'«»]+/y;
const TRAILING = /[.,;:!?)\]]+$/;
// The paired marks and the element each makes. A mark opens only at a word's start and closes only
// at a word's end, and a doubled mark is no mark, so "2*3*4", snake_case and __names stay as they
// are.
const MARKS = { '*': 'strong', _: 'em', '`': 'code' };

function isWordChar(ch) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

// What may stand before an opening mark: the start, a space or an opening bracket or quote.
const OPENS_AFTER = /[\s([{«"'—-]/u;

/** Whether a mark at `i` may open: after a space or bracket, before a non-space, not doubled. */
function opens(text, i, mark) {
  const before = text[i - 1];
  const after = text[i + 1];
  return (before === undefined || OPENS_AFTER.test(before)) && after !== undefined && !/\s/u.test(after) && after !== mark;
}

/** Where the mark opened at `start` closes on the same line, or -1: before a space, punctuation or
 * the end, after a non-space, not doubled. */
function closing(text, start, mark) {
  for (let i = start + 2; i < text.length; i += 1) {
    if (text[i] === '\n') return -1;
    const before = text[i - 1];
    if (text[i] === mark && !/\s/u.test(before) && before !== mark && text[i + 1] !== mark && !isWordChar(text[i + 1])) {
      return i;
    }
  }
  return -1;
}

function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** The nodes of `text` with its marks applied; `depth` stops marks inside code or nested twice. */
function render(text, depth = 0) {
  const out = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push(plain);
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === 'h') {
      LINK.lastIndex = i;
      const found = LINK.exec(text);
      if (found && !isWordChar(text[i - 1])) {
        const raw = found[0].replace(TRAILING, '');
        const href = safeUrl(raw);
        if (href) {
          flush();
          out.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, raw));
          i += raw.length;
          continue;
        }
      }
    }
    const tag = MARKS[ch];
    if (tag && depth < 2 && opens(text, i, ch)) {
      const end = closing(text, i, ch);
      if (end > i + 1) {
        flush();
        const inner = text.slice(i + 1, end);
        out.push(h(tag, {}, tag === 'code' ? inner : render(inner, depth + 1)));
        i = end + 1;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  flush();
  return out;
}

/** A message's text as a paragraph of nodes (line breaks kept by the stylesheet's pre-wrap). */
export function messageText(text, className = 'text') {
  return h('p', { class: className }, render(text));
}
