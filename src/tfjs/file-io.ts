/**
 * `file://` model saving and loading for TensorFlow.js without tfjs-node (the WebAssembly and CPU
 * backends), in tfjs-node's format, so the code of TensorFlow.js's guides runs on every backend:
 *
 * ```ts
 * await study.bestModel.save("file://./best-model");                      // writes best-model/model.json + weights.bin
 * const model = await tf.loadLayersModel("file://./best-model/model.json");
 * ```
 *
 * `model.json` holds the topology, the training config and a weights manifest naming
 * `weights.bin`, which holds every weight's values back to back, as tfjs-node and the Python
 * `tensorflowjs` converter read them. tfjs-node registers its own `file://` routers; these are for
 * the other backends only.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";

const SCHEME = "file://";
const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";

/** Where routers were registered: once per TensorFlow.js namespace (one per process in practice). */
const registered = new WeakSet<object>();

/** Registers the `file://` save and load routers with `tf` (once; a second call does nothing). */
export function registerFileRouters(tf: TensorFlow): void {
  if (registered.has(tf.io)) return;
  registered.add(tf.io);
  const route = (url: string | string[]): tfjs.io.IOHandler | null => {
    const path = Array.isArray(url) ? undefined : url;
    return path?.startsWith(SCHEME) === true ? fileHandler(tf, path.slice(SCHEME.length)) : null;
  };
  // A router returns null for a URL it does not handle, as TensorFlow.js's own do (its type says otherwise).
  const router = route as unknown as Parameters<TensorFlow["io"]["registerSaveRouter"]>[0];
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}

/**
 * The handler of one `file://` path: saving writes the folder `path` (created if missing) with
 * `model.json` and `weights.bin`; loading reads `path` as a `model.json` (or the one in the folder
 * `path`) and the weight files its manifest names, beside it.
 */
function fileHandler(tf: TensorFlow, path: string): tfjs.io.IOHandler {
  return {
    save: async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error(`${SCHEME}${path}: a binary model topology cannot be saved as ${MODEL_FILE}`);
      const folder = resolve(path);
      mkdirSync(folder, { recursive: true });
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJSON: tfjs.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
        ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
        ...(artifacts.convertedBy === undefined ? {} : { convertedBy: artifacts.convertedBy }),
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      writeFileSync(join(folder, WEIGHTS_FILE), Buffer.from(weights));
      writeFileSync(join(folder, MODEL_FILE), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    load: async () => {
      const given = resolve(path);
      const file = statSync(given, { throwIfNoEntry: false })?.isDirectory() === true ? join(given, MODEL_FILE) : given;
      let modelJSON: tfjs.io.ModelJSON;
      try {
        modelJSON = JSON.parse(readFileSync(file, "utf8")) as tfjs.io.ModelJSON;
      } catch (error) {
        throw new Error(`${SCHEME}${path}: expected a model.json written by model.save("file://…") (${(error as Error).message})`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) => group.paths.map((name) => readFileSync(join(dirname(file), name))));
        const data = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
        return [specs, data];
      });
    },
  };
}
