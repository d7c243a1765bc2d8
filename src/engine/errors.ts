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
