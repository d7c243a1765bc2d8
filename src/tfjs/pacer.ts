/**
 * When a synchronous training loop gives the event loop a turn. TensorFlow.js runs a batch
 * synchronously, so while an epoch trains nothing else runs: not the kernel's interrupt (SIGINT,
 * control messages), not timers, not live output. Yielding after every batch costs a turn of the
 * event loop per batch (a few percent of a small model's step); yielding once `intervalMs` of work
 * has passed keeps that cost negligible and the wait for an interrupt under one batch plus
 * `intervalMs`.
 */

/** The event loop's turn, e.g. `tf.nextFrame` (`setImmediate` on Node). */
export type Yield = () => Promise<void>;

/** Milliseconds of work between two yields by default. */
export const DEFAULT_YIELD_INTERVAL_MS = 25;

/** Decides when a busy loop yields to the event loop, from the time since its last yield. */
export class EventLoopPacer {
  private lastYield: number;

  /**
   * @param yieldTurn gives the event loop a turn
   * @param intervalMs work between two yields (0: yield after every step)
   * @param now a monotonic clock in milliseconds (injected by tests)
   */
  constructor(
    private readonly yieldTurn: Yield,
    private readonly intervalMs = DEFAULT_YIELD_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastYield = now();
  }

  /** Whether `intervalMs` of work has passed since the last yield. */
  due(): boolean {
    return this.now() - this.lastYield >= this.intervalMs;
  }

  /** Gives the event loop a turn and restarts the interval. */
  async yield(): Promise<void> {
    await this.yieldTurn();
    this.lastYield = this.now();
  }
}
