/**
 * The trainer as it was before the lean loop (`train.ts` up to issue 13): one `model.fit` call per
 * epoch on rows shuffled by the trial's seeded generator, `Math.random` seeded per epoch, the
 * validation rows evaluated by `fit` after every epoch. The equivalence tests train the same model
 * with it and with `trainTrial` and compare every logged number and every weight.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../../src/tfjs/backend";
import { deriveSeed, permutation, seededRandom, withSeededMathRandom } from "../../src/common/random";
import { buildTrialModel, type ModelBuilder } from "../../src/tfjs/train";
import type { TrainingData } from "../../src/tfjs/trainingData";

/** What {@link fitPerEpoch} trained: the history and the model (the caller disposes it). */
export interface FitReference {
  readonly history: Record<string, number[]>;
  readonly model: tfjs.LayersModel;
}

/** Builds fold 0's model of `params` as `trainTrial` does and trains it with `model.fit`, epoch by epoch. */
export async function fitPerEpoch<P>(
  tf: TensorFlow,
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  options: { readonly epochs: number; readonly batchSize: number; readonly seed: number },
): Promise<FitReference> {
  const fold = data.folds[0]!;
  const model = await buildTrialModel(buildModel, params, 0, options);
  const shuffle = seededRandom(deriveSeed(options.seed, "shuffle", 0));
  const history: Record<string, number[]> = {};
  for (let e = 0; e < options.epochs; e++) {
    const order = permutation(fold.xTrain.shape[0]!, shuffle);
    const [xEpoch, yEpoch] = tf.tidy(() => {
      const indices = tf.tensor1d(order, "int32");
      return [tf.gather(fold.xTrain, indices), tf.gather(fold.yTrain, indices)];
    });
    try {
      const fitted = await withSeededMathRandom(deriveSeed(options.seed, "fit", 0, e), () =>
        model.fit(xEpoch, yEpoch, {
          epochs: e + 1,
          initialEpoch: e,
          batchSize: options.batchSize,
          shuffle: false,
          validationData: [fold.xValidation, fold.yValidation],
          verbose: 0,
        }),
      );
      for (const [key, values] of Object.entries(fitted.history)) (history[key] ??= []).push(...(values as number[]));
    } finally {
      tf.dispose([xEpoch, yEpoch]);
    }
  }
  return { history, model };
}
