// The live event stream: one WebSocket to /api/v1/stream that survives
// network drops, daemon restarts and slow-consumer cuts.
//
// The event log on the server is the truth and the socket only pushes it,
// so the stream keeps the id of the last event it handled and, on every
// reconnect, asks for what came after it (?since=ID). Ids only grow, so a
// frame at or below the last id is a repeat and is dropped. The first
// connection of a page asks for no history: the page loads its lists over
// HTTP and only needs what happens from now on.

/** Close code the server uses to cut a consumer that fell behind. */
export const closeSlowConsumer = 4008;

const maxDelay = 30000;
const baseDelay = 500;

/**
 * Stream connects and reconnects by itself. Callbacks:
 *   onEvent(frame)            every new event frame, in order, once
 *   onStatus(status)          'connecting' | 'live' | 'reconnecting'
 *   onHello({resumed})        after every hello; resumed is true on reconnects
 *   onReset(data)             the server cannot resume from our id: reload
 *   onFailing()               several connects failed before opening (maybe logged out)
 */
export class Stream {
  constructor(handlers) {
    this.h = handlers;
    this.lastId = 0;
    this.ws = null;
    this.attempt = 0;
    this.failedOpens = 0;
    this.timer = 0;
    this.stopped = true;
    this.everConnected = false;
    this.onOnline = () => this.reconnectNow();
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    };
  }

  /** start opens the stream. */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  /** stop closes the stream for good (logout). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000);
      this.ws = null;
    }
  }

  /** send writes a client frame (typing) when the socket is open; it is best effort. */
  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** reconnectNow skips the backoff wait, e.g. when the network comes back. */
  reconnectNow() {
    if (this.stopped || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = this.lastId > 0 ? `?since=${this.lastId}` : '';
    this.h.onStatus?.(this.everConnected ? 'reconnecting' : 'connecting');
    let opened = false;
    let ws;
    try {
      ws = new WebSocket(`${proto}//${location.host}/api/v1/stream${since}`);
    } catch {
      this.schedule(false);
      return;
    }
    this.ws = ws;
    ws.onopen = () => { opened = true; this.failedOpens = 0; };
    ws.onmessage = (ev) => this.handle(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      // A socket that never opens may mean the session expired (the
      // upgrade is refused); let the app check, but not on every retry.
      if (!opened && (++this.failedOpens === 2 || this.failedOpens % 5 === 0)) this.h.onFailing?.();
      this.schedule(ev.code === closeSlowConsumer);
    };
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => {};
  }

  handle(raw) {
    let f;
    try { f = JSON.parse(raw); } catch { return; }
    if (!f || typeof f.type !== 'string') return;
    switch (f.type) {
      case 'stream.hello': {
        const resumed = this.everConnected;
        this.everConnected = true;
        this.attempt = 0;
        // With no id yet, start counting from the server's head so a later
        // reconnect resumes from here.
        if (this.lastId === 0 && f.data?.last_id) this.lastId = f.data.last_id;
        this.headId = f.data?.last_id || 0;
        this.h.onStatus?.('live');
        this.h.onHello?.({ resumed });
        return;
      }
      case 'stream.reset':
        // We missed more than the log keeps. Reload everything and carry on
        // from the live head the server is now sending.
        this.lastId = Math.max(this.headId || 0, f.id || 0);
        this.h.onReset?.(f.data || {});
        return;
    }
    if (typeof f.id === 'number') {
      if (f.id <= this.lastId) return; // a repeat after resume
      this.lastId = f.id;
    }
    try {
      this.h.onEvent?.(f);
    } catch (e) {
      // One bad event must not kill the stream.
      console.error('stream: event handler failed', f.type, e);
    }
  }

  /** schedule reconnects after an exponential backoff with jitter. */
  schedule(slow) {
    clearTimeout(this.timer);
    this.h.onStatus?.('reconnecting');
    // A slow-consumer cut means we are fine and the network is fine: come
    // back quickly. Otherwise back off, with "equal jitter" so that a daemon
    // restart does not bring every console back in the same millisecond.
    const cap = slow ? 1000 : Math.min(maxDelay, baseDelay * 2 ** this.attempt);
    const delay = cap / 2 + Math.random() * (cap / 2);
    this.attempt = Math.min(this.attempt + 1, 10);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
