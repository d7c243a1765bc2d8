/** The pruners of the tuning engine. */
export { MedianPruner } from "./median";
export type { MedianPrunerOptions } from "./median";
export { NopPruner } from "./none";
export { SuccessiveHalvingPruner } from "./asha";
export type { SuccessiveHalvingOptions } from "./asha";
export { HyperbandPruner, bracketCycle, hyperbandBrackets } from "./hyperband";
export type { HyperbandBracket, HyperbandOptions, HyperbandRound } from "./hyperband";
export { rungPromotionOf } from "./promotion";
export type { RungPromotion } from "./promotion";
