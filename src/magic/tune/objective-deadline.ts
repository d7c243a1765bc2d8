/**
 * A notebook objective's result, given up on after an interrupt: a promise that never settles
 * (an `await` on something that never comes) would otherwise hold the search, and with it the
 * cell, until the kernel settles the cell by force, without the search's summary.
 */

/** How long an objective may still take to return after the interrupt, in ms. */
export const OBJECTIVE_GRACE_AFTER_INTERRUPT_MS = 1000;

/**
 * `work`, or a rejection once `signal` has been aborted for `graceMs` without `work` settling (an
 * objective that checks nothing still gets the time to return on its own). `work` is left
 * running, unawaited; its later rejection is swallowed so it cannot surface as unhandled.
 */
export function settleAfterInterrupt<T>(work: Promise<T>, signal: AbortSignal, graceMs = OBJECTIVE_GRACE_AFTER_INTERRUPT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = (): void => {
      timer = setTimeout(() => {
        work.catch(() => undefined);
        reject(new Error(`the objective had not returned ${graceMs} ms after the interrupt; it was left running, unawaited`));
      }, graceMs);
    };
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", giveUp);
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener("abort", giveUp, { once: true });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
