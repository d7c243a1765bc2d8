/** Errors of the tuning engine that callers are expected to tell apart. */

/**
 * Thrown by a sampler when every point of a finite search space has been tried. The study turns
 * it into a clean stop, saying so.
 */
export class SearchSpaceExhaustedError extends Error {
  override readonly name = "SearchSpaceExhaustedError";
  /** The number of distinct points the space holds. */
  readonly size: number;

  constructor(size: number, detail = "") {
    super(`the search space is exhausted: all ${size} combinations have been tried${detail ? ` (${detail})` : ""}`);
    this.size = size;
  }
}

/** `optimize` gave up because too many trials failed in a row (the objective is likely broken). */
export class TooManyFailuresError extends Error {
  override readonly name = "TooManyFailuresError";
  readonly lastError: string;
  /** How many trials failed in a row. */
  readonly count: number;
  constructor(count: number, lastError: string) {
    super(
      `stopping the search: the last ${count} trials failed in a row (the last with: ${lastError}); ` +
        `check the objective, or raise maxConsecutiveFailures`,
    );
    this.lastError = lastError;
    this.count = count;
  }
}
