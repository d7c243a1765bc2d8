/** Where a resumed PBT study goes on (src/magic/tune/pbt-resume.ts), from its trials alone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MEMBER_FAILED_ATTR, resumePoint, type PbtSettings } from "../../../src/magic/tune/pbt-resume";
import type { FrozenTrial, TrialState } from "../../../src/engine/types";
import { trial } from "../../render/fixtures";

const SETTINGS: PbtSettings = { seed: 5, population: 2, rounds: [2, 2] };

function memberRound(number: number, member: number, round: number, state: TrialState, extra: Record<string, unknown> = {}): FrozenTrial {
  return trial(number, { state, ...(state === "complete" ? { value: 0.5 } : {}), userAttrs: { member, round, parent: null, pbt: SETTINGS, ...extra } });
}

test("no trial: a new study", () => {
  assert.equal(resumePoint([], SETTINGS, true), undefined);
});

test("an interrupted member-round is tried again; one that failed in training is final", () => {
  const trials = [
    memberRound(0, 0, 0, "complete"),
    memberRound(1, 1, 0, "failed", { [MEMBER_FAILED_ATTR]: true }),
    memberRound(2, 0, 1, "complete"),
    memberRound(3, 1, 1, "failed"),
  ];
  const point = resumePoint(trials, SETTINGS, false)!;
  assert.equal(point.round, 1);
  assert.deepEqual(point.finals.map((round) => round.map((t) => t?.number)), [[0, 1], [2, undefined]]);
  assert.equal(point.retried, 1);
});

test("every round done: the point is past the last round", () => {
  const trials = [0, 1, 2, 3].map((n) => memberRound(n, n % 2, Math.floor(n / 2), "complete"));
  assert.equal(resumePoint(trials, SETTINGS, true)!.round, 2);
});

test("other settings or another seed are refused, naming what differs", () => {
  const trials = [memberRound(0, 0, 0, "complete")];
  assert.throws(() => resumePoint(trials, { ...SETTINGS, rounds: [1, 1, 1, 1] }, false), /ran 2 members in rounds of \[2, 2\] epochs, but these options ask for 2 members in rounds of \[1, 1, 1, 1\]/);
  assert.throws(() => resumePoint(trials, { ...SETTINGS, seed: 6 }, true), /seeded with --seed 5, not 6/);
  assert.equal(resumePoint(trials, { ...SETTINGS, seed: 6 }, false)!.round, 0, "without --seed the study's own seed is used");
  assert.throws(() => resumePoint([trial(0, { state: "complete", value: 1 })], SETTINGS, false), /holds no member-round of a PBT search/);
});
