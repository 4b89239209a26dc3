// The signed-in user's unread notifications, for the bell in the header:
// read when the app opens, after each navigation (at most every 15 s) and
// every minute while the page is open; pages that read or clear the inbox
// set it from the API's answer.
import { api, ok } from './api/client';

const EVERY_MS = 60_000;
const AT_MOST_EVERY_MS = 15_000;

class Inbox {
  unread = $state(0);
  private last = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  async refresh(force = false) {
    const now = Date.now();
    if (!force && now - this.last < AT_MOST_EVERY_MS) return;
    this.last = now;
    try {
      this.unread = (await ok(api.GET('/api/v1/notifications', { params: { query: { limit: 1 } } }))).unread;
    } catch {
      // The bell is a hint: a failed read leaves the last count.
    }
  }

  start() {
    if (this.timer) return;
    this.refresh(true);
    this.timer = setInterval(() => this.refresh(true), EVERY_MS);
  }
}

export const inbox = new Inbox();
