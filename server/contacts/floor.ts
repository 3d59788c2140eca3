/**
 * A minimum answer time. Codename logins wait until `floorMs` after the request began, so a found
 * thread (more rows to read, a larger answer to build) and an unknown codename take the same time
 * as seen from the network, whatever the database did.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** A monotonic start mark (not the wall clock: it must not jump, and it is never stored). */
export function startMark(): number {
  return performance.now();
}

export async function waitForFloor(start: number, floorMs: number): Promise<void> {
  // A loop: libuv's timer clock is cached per loop turn and may fire a millisecond early.
  for (let remaining = start + floorMs - performance.now(); remaining > 0; remaining = start + floorMs - performance.now()) {
    await sleep(Math.ceil(remaining));
  }
}
