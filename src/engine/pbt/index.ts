/** Population-based training's pure, seeded decisions (exploit, explore, a round's plan). */
export { truncationSelection, type ExploitDecision, type MemberScore } from "./exploit";
export { exploreParams, type Exploration, type ExploreSettings, type ParamChange } from "./explore";
export { initialPopulation, planNextRound, type MemberPlan, type RoundInput } from "./lineage";
export { perturbableParams, isPerturbableByName } from "./perturbable";
