// Attention: a short chime made with WebAudio (no sound file to ship or
// cache) and desktop notifications. Browsers only let a page make sound
// after the user has interacted with it, so the audio context is created
// on the first click or key press.

let ctx = null;

function unlock(ev) {
  if (!ev.isTrusted) return;
  if (!ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (AC) ctx = new AC();
  }
  if (ctx?.state === 'suspended') ctx.resume().catch(() => {});
}
window.addEventListener('pointerdown', unlock, { capture: true });
window.addEventListener('keydown', unlock, { capture: true });

function tone(freq, start, len, gain = 0.12) {
  const o = ctx.createOscillator();
  const g = ctx.createGain();
  o.type = 'sine';
  o.frequency.value = freq;
  g.gain.setValueAtTime(0, start);
  g.gain.linearRampToValueAtTime(gain, start + 0.015);
  g.gain.exponentialRampToValueAtTime(0.0001, start + len);
  o.connect(g).connect(ctx.destination);
  o.start(start);
  o.stop(start + len + 0.05);
}

/** chime plays a soft two-note sound; 'ring' is a longer pattern for calls. */
export function chime(kind = 'dialog') {
  if (!ctx || ctx.state !== 'running') return;
  const now = ctx.currentTime;
  if (kind === 'ring') {
    for (let i = 0; i < 3; i++) {
      tone(880, now + i * 0.5, 0.18);
      tone(660, now + i * 0.5 + 0.2, 0.18);
    }
  } else {
    tone(784, now, 0.18);
    tone(1175, now + 0.12, 0.35);
  }
}

const askedKey = 'sb.notify.asked';

/** canAskPermission tells whether to offer desktop notifications. */
export function canAskPermission() {
  if (!('Notification' in window) || Notification.permission !== 'default') return false;
  try { return !localStorage.getItem(askedKey); } catch { return false; }
}

/** rememberAsked stops the offer from coming back. */
export function rememberAsked() {
  try { localStorage.setItem(askedKey, '1'); } catch { /* shown again next time */ }
}

/** askPermission asks the browser (must run inside a click handler). */
export async function askPermission() {
  rememberAsked();
  if (!('Notification' in window)) return 'denied';
  try { return await Notification.requestPermission(); } catch { return 'denied'; }
}

/**
 * desktop shows a desktop notification when allowed and the console is not
 * in front; clicking it focuses the console and runs onclick.
 */
export function desktop(title, body, onclick, tag) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const n = new Notification(title, { body, tag, icon: '' });
    n.onclick = () => {
      window.focus();
      onclick?.();
      n.close();
    };
  } catch { /* some browsers refuse outside a service worker */ }
}
