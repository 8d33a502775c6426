// DOM helpers. Everything the console shows is built with h(), which puts
// strings in as text nodes: message text, names and subjects can never
// turn into markup. The only innerHTML in the console parses the constant
// SVG icons in icons.js.

/**
 * h builds an element: h('button', {class: 'btn', onclick: fn}, 'Label').
 * Props starting with "on" are listeners; value/checked/disabled/selected
 * are set as properties; true sets an empty attribute; null, undefined and
 * false are skipped. Children may be strings, numbers, nodes or arrays.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) setProps(el, props);
  append(el, children);
  return el;
}

const propKeys = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate', 'srcdoc']);

function setProps(el, props) {
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    } else if (propKeys.has(k)) {
      el[k] = v;
    } else if (k === 'ref' && typeof v === 'function') {
      v(el);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

/** append adds children (strings become text nodes) to el. */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === true) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** replace swaps all children of el for the given ones. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** $ finds one element under root. */
export const $ = (sel, root = document) => root.querySelector(sel);

/** debounce delays fn until calls stop for ms. */
export function debounce(fn, ms) {
  let timer = 0;
  const d = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  d.flush = (...args) => { clearTimeout(timer); fn(...args); };
  return d;
}

/**
 * throttle runs fn at most once per ms, with a trailing call so the last
 * change is never dropped (the supervisor overview relies on that).
 */
export function throttle(fn, ms) {
  let last = 0;
  let timer = 0;
  return (...args) => {
    const wait = last + ms - Date.now();
    clearTimeout(timer);
    if (wait <= 0) {
      last = Date.now();
      fn(...args);
    } else {
      timer = setTimeout(() => { last = Date.now(); fn(...args); }, wait);
    }
  };
}

/** isTyping tells whether the keyboard focus is in a text field. */
export function isTyping(el = document.activeElement) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable ||
    (tag === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(el.type));
}
