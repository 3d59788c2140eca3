/**
 * Per-account login throttle: at most `limit` failed attempts per window reach the password hash.
 * An attempt reserves a slot before hashing (so concurrent guesses cannot overrun the limit) and
 * gives it back only if it succeeds. Keyed by the name as typed, whether or not such an account
 * exists, so being throttled says nothing about who has an account. In memory: a restart resets
 * it, which an attacker cannot cause from outside.
 */
export interface ThrottleSlot {
  readonly key: string;
  readonly at: number;
}

export class LoginThrottle {
  private readonly slots = new Map<string, ThrottleSlot[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** A slot for one attempt that may reach the hash, or null when the window is full. */
  acquire(key: string, now: number): ThrottleSlot | null {
    const recent = (this.slots.get(key) ?? []).filter((slot) => now - slot.at < this.windowMs);
    if (recent.length >= this.limit) {
      this.slots.set(key, recent);
      return null;
    }
    const slot: ThrottleSlot = { key, at: now };
    recent.push(slot);
    this.slots.delete(key);
    this.slots.set(key, recent);
    this.prune(now);
    return slot;
  }

  /** The attempt succeeded: it does not count as a failure. */
  release(slot: ThrottleSlot): void {
    const list = this.slots.get(slot.key);
    if (!list) return;
    const rest = list.filter((s) => s !== slot);
    if (rest.length > 0) this.slots.set(slot.key, rest);
    else this.slots.delete(slot.key);
  }

  /**
   * Bounded memory under a flood of made-up names: drop expired keys, then the least recently
   * used ones. Evicting a busy key takes thousands of hashed attempts within one window.
   */
  private prune(now: number): void {
    if (this.slots.size <= this.maxKeys) return;
    for (const [key, list] of this.slots) {
      if (list.every((slot) => now - slot.at >= this.windowMs)) this.slots.delete(key);
    }
    for (const key of this.slots.keys()) {
      if (this.slots.size <= this.maxKeys) break;
      this.slots.delete(key);
    }
  }
}
