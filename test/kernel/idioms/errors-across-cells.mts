class TrialError extends Error {
  constructor(message: string, readonly trial: number) {
    super(message);
    this.name = "TrialError";
  }
}
function check(loss: number, trial: number): number {
  if (!Number.isFinite(loss)) throw new TrialError(`loss is ${loss}`, trial);
  return loss;
}
// %%
const results: (number | string)[] = [];
for (const [i, loss] of [0.5, NaN, 0.25].entries()) {
  try {
    results.push(check(loss, i));
  } catch (e) {
    if (e instanceof TrialError) results.push(`${e.name} ${e.trial}: ${e.message}`);
    else throw e;
  }
}
console.log(results);
// %%
const failed = results.filter((r): r is string => typeof r === "string");
console.log(failed.length, failed[0]?.startsWith("TrialError"));
