// Holds the page's one Stream so views can send typing frames without
// knowing how the stream is wired.
import { throttle } from './dom.js';

let stream = null;

/** setStream records the running stream (null on logout). */
export function setStream(s) { stream = s; }

const typingEvery = 3000;
const senders = new Map();

/** sendTyping tells colleagues the manager is typing in a dialog, at most every 3 s. */
export function sendTyping(dialogId) {
  let fn = senders.get(dialogId);
  if (!fn) {
    fn = throttle(() => stream?.send({ type: 'typing', dialog_id: dialogId }), typingEvery);
    senders.set(dialogId, fn);
  }
  fn();
}
