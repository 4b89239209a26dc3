// One user action in flight at a time: a second click while the first is
// running does nothing (the button is disabled too), and the outcome is
// kept for the screen to show.
import { describe } from './errors';

export class Action {
  busy = $state(false);
  error = $state<string | null>(null);
  success = $state<string | null>(null);
  failure = $state<unknown>(null);

  async run<T>(work: () => Promise<T>, successMessage?: string): Promise<T | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    this.error = this.success = null;
    this.failure = null;
    try {
      const result = await work();
      this.success = successMessage ?? null;
      return result;
    } catch (e) {
      this.failure = e;
      this.error = describe(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}
