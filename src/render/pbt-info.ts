/**
 * The info step of the population-based training figure: the trials of a `--strategy pbt` search
 * (one trial per member-round, user attributes `member`, `round`, `parent`; see
 * src/magic/tune/pbt-search.ts) grouped into members and rounds. A member-round tried more than
 * once (interrupted, then resumed from storage) counts by its last trial.
 */
import type { FrozenTrial, ParamValue } from "../engine/types";
import type { StudyData } from "./info-types";

/** One member-round of a PBT search. */
export interface MemberRound {
  readonly trial: number;
  readonly member: number;
  readonly round: number;
  /** The trial this round copied at its start, if it copied one. */
  readonly parent?: number;
  readonly state: FrozenTrial["state"];
  /** Steps (the member's epochs, 0-based) and the metric at each. */
  readonly steps: readonly number[];
  readonly values: readonly number[];
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** The member-rounds of every member, members and rounds in order. */
export interface Population {
  readonly members: readonly (readonly MemberRound[])[];
  /** The parameters whose value changed during some member's training, in the space's order. */
  readonly changing: readonly string[];
}

/** The population of a PBT study (trials without the member and round attributes are left out). */
export function pbtPopulation(study: Pick<StudyData, "trials" | "space">): Population {
  const rounds: MemberRound[] = [];
  for (const trial of study.trials) {
    const member = trial.userAttrs["member"];
    const round = trial.userAttrs["round"];
    if (typeof member !== "number" || typeof round !== "number") continue;
    const parent = trial.userAttrs["parent"];
    rounds.push({
      trial: trial.number,
      member,
      round,
      ...(typeof parent === "number" ? { parent } : {}),
      state: trial.state,
      steps: trial.intermediateValues.map((v) => v.step),
      values: trial.intermediateValues.map((v) => v.value),
      params: trial.params,
    });
  }
  // The last trial of each member-round (trials come in number order).
  const last = new Map<string, MemberRound>();
  for (const r of [...rounds].sort((a, b) => a.trial - b.trial)) last.set(`${r.member}/${r.round}`, r);
  const kept = [...last.values()];
  const count = kept.reduce((n, r) => Math.max(n, r.member + 1), 0);
  const members = Array.from({ length: count }, (_, m) => kept.filter((r) => r.member === m).sort((a, b) => a.round - b.round));
  const changing = Object.keys(study.space).filter((name) => members.some((rs) => new Set(rs.map((r) => JSON.stringify(r.params[name]))).size > 1));
  return { members, changing };
}

