/**
 * Where a `--strategy pbt` study resumed from a journal goes on: which member-rounds are final
 * and the first round not every member finished. Pure: from the study's trials only.
 *
 * A member-round is final when one of its trials completed, or failed in training (user
 * attribute `memberFailed`: a NaN loss, a builder error; the member copies after the round). A
 * trial stopped by an interrupt, or failed by the journal because its process died, is not: the
 * member-round trains again. The PBT settings every member-round records (user attribute `pbt`)
 * must match the resumed search's, since the seeded plan of each round depends on them.
 */
import type { FrozenTrial } from "../../engine/types";
import { MagicError } from "../types";

/** User attribute of a member-round that failed in training (not by an interrupt or a dead process). */
export const MEMBER_FAILED_ATTR = "memberFailed";
/** User attribute holding the search's {@link PbtSettings}. */
export const PBT_SETTINGS_ATTR = "pbt";

/** What a PBT study's plan depends on. */
export interface PbtSettings {
  readonly seed: number;
  readonly population: number;
  /** Epochs of each round. */
  readonly rounds: readonly number[];
}

/** Where a resumed PBT search starts. */
export interface ResumePoint {
  /** The first round some member has not finished (the number of rounds when all are done). */
  readonly round: number;
  /** `finals[r][m]`: member m's final trial of round r, for r ≤ `round` (undefined when not final). */
  readonly finals: readonly (readonly (FrozenTrial | undefined)[])[];
  /** Member-rounds tried again (their earlier trials were interrupted or lost with their process). */
  readonly retried: number;
}

/**
 * The resume point of a study's trials, or undefined when no member-round was recorded.
 * @throws MagicError when the study was run with other PBT settings, or holds trials of another kind
 */
export function resumePoint(trials: readonly FrozenTrial[], settings: PbtSettings, seedGiven: boolean): ResumePoint | undefined {
  if (trials.length === 0) return undefined;
  const stored = storedSettings(trials);
  if (stored.population !== settings.population || stored.rounds.join(",") !== settings.rounds.join(",")) {
    throw new MagicError(
      `--strategy pbt: the study in --storage ran ${stored.population} members in rounds of [${stored.rounds.join(", ")}] epochs, but these options ask for ${settings.population} members in rounds of [${settings.rounds.join(", ")}]: resume it with the same --population, --epochs and --ready-epochs, or give a new --name`,
      1,
    );
  }
  if (seedGiven && stored.seed !== settings.seed) {
    throw new MagicError(`--strategy pbt: the study in --storage was seeded with --seed ${stored.seed}, not ${settings.seed}: its rounds' plans follow that seed (drop --seed to resume it)`, 1);
  }
  const finals = settings.rounds.map(() => Array.from({ length: settings.population }, (): FrozenTrial | undefined => undefined));
  let tried = 0;
  for (const trial of [...trials].sort((a, b) => a.number - b.number)) {
    const member = trial.userAttrs["member"];
    const round = trial.userAttrs["round"];
    if (typeof member !== "number" || typeof round !== "number" || finals[round] === undefined || !(member >= 0 && member < settings.population)) continue;
    tried++;
    const final = trial.state === "complete" || (trial.state === "failed" && trial.userAttrs[MEMBER_FAILED_ATTR] === true);
    if (final && finals[round]![member] === undefined) finals[round]![member] = trial;
  }
  const firstOpen = finals.findIndex((round) => round.some((trial) => trial === undefined));
  const round = firstOpen === -1 ? settings.rounds.length : firstOpen;
  const finalCount = finals.flat().filter((t) => t !== undefined).length;
  return { round, finals: finals.slice(0, round + 1), retried: tried - finalCount };
}

/** The PBT settings the study's member-rounds recorded. */
export function storedSettings(trials: readonly FrozenTrial[]): PbtSettings {
  const recorded = trials.find((t) => t.userAttrs[PBT_SETTINGS_ATTR] !== undefined)?.userAttrs[PBT_SETTINGS_ATTR] as PbtSettings | undefined;
  if (recorded === undefined || typeof recorded.seed !== "number" || typeof recorded.population !== "number" || !Array.isArray(recorded.rounds)) {
    throw new MagicError("--strategy pbt: the study in --storage holds no member-round of a PBT search (another strategy ran it): give a new --name", 1);
  }
  return recorded;
}
