/**
 * Which parameters PBT may change while a member trains: the optimizer and regularisation settings
 * recognised by name (learning rate, dropout, weight decay, batch size) and any parameter the
 * search space marks `mutable`. Everything else (units, layers, activation) is architecture and
 * stays as the member started.
 */
import type { SearchSpace } from "../types";

/** Names PBT perturbs without a marker: learning rate, dropout, weight decay / L2, batch size. */
const BY_NAME = /^(lr|learningRate|learning_rate|weightDecay|weight_decay|l2|batchSize|batch_size)$|dropout/i;

/** Whether `name` is perturbable by the naming rule alone. */
export function isPerturbableByName(name: string): boolean {
  return BY_NAME.test(name);
}

/** The searched (not fixed) parameters of `space` that PBT may change, in the space's order. */
export function perturbableParams(space: SearchSpace, marked: readonly string[] = []): string[] {
  return Object.entries(space)
    .filter(([name, dist]) => dist.kind !== "fixed" && (isPerturbableByName(name) || marked.includes(name)))
    .map(([name]) => name);
}
