/**
 * The members' weights of a `--strategy pbt` study kept beside its journal, so that a search
 * resumed after a kernel restart goes on from the members' last finished rounds
 * (pbt-resume.ts). After each member-round, its model and optimizer state (tfjs/member-state.ts)
 * go to `<journal>.pbt/<study>/trial-<number>.json`, written to a temporary file and renamed, so
 * a file is whole or absent. Once a round is done, the files of earlier rounds go, except the
 * best member-round's (its model is `study.bestModel` again after a resume).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MemberState, OptimizerWeightData } from "../../tfjs/member-state";
import type { WeightData } from "../../tfjs/pool";

/** A weight with its values as base64 (JSON holds no typed arrays). */
interface StoredWeight {
  readonly name?: string;
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly base64: string;
}

/** A checkpoint file's content. */
interface StoredState {
  readonly version: 1;
  readonly topology: object;
  readonly trainingConfig: object;
  readonly weights: readonly StoredWeight[];
  readonly optimizer: readonly StoredWeight[];
}

const FILE = /^trial-(\d+)\.json$/;

/** The checkpoint folder of one study of a journal. */
export class PbtCheckpoints {
  /** The folder: `<journal>.pbt/<study name>`. */
  readonly folder: string;

  constructor(journal: string, studyName: string) {
    this.folder = join(`${journal}.pbt`, encodeURIComponent(studyName));
  }

  /** Keeps member-round `trial`'s state (replacing an earlier file of that trial). */
  save(trial: number, state: MemberState): void {
    mkdirSync(this.folder, { recursive: true });
    const stored: StoredState = {
      version: 1,
      topology: state.model.topology,
      trainingConfig: state.model.trainingConfig,
      weights: state.model.weights.map((w) => encode(w)),
      optimizer: state.optimizer.map((w) => encode(w, w.name)),
    };
    const path = this.pathOf(trial);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(stored));
    renameSync(temporary, path);
  }

  /** Member-round `trial`'s state, or undefined when no whole file of it is here. */
  load(trial: number): MemberState | undefined {
    let stored: StoredState;
    try {
      stored = JSON.parse(readFileSync(this.pathOf(trial), "utf8")) as StoredState;
    } catch {
      return undefined;
    }
    if (stored.version !== 1) return undefined;
    return {
      model: { topology: stored.topology, trainingConfig: stored.trainingConfig, weights: stored.weights.map(decode) },
      optimizer: stored.optimizer.map((w): OptimizerWeightData => ({ ...decode(w), name: w.name ?? "" })),
    };
  }

  /** Removes every checkpoint but those of `keep`. */
  keepOnly(keep: ReadonlySet<number>): void {
    let names: string[];
    try {
      names = readdirSync(this.folder);
    } catch {
      return;
    }
    for (const name of names) {
      const match = FILE.exec(name);
      if (match !== null && !keep.has(Number(match[1]))) rmSync(join(this.folder, name), { force: true });
    }
  }

  /** The trials whose checkpoints are here. */
  trials(): number[] {
    try {
      return readdirSync(this.folder).flatMap((name) => {
        const match = FILE.exec(name);
        return match === null ? [] : [Number(match[1])];
      });
    } catch {
      return [];
    }
  }

  /** Where trial `trial`'s checkpoint goes. */
  pathOf(trial: number): string {
    return join(this.folder, `trial-${trial}.json`);
  }
}

function encode(weight: WeightData, name?: string): StoredWeight {
  const bytes = Buffer.from(weight.values.buffer, weight.values.byteOffset, weight.values.byteLength);
  return { ...(name === undefined ? {} : { name }), shape: [...weight.shape], dtype: weight.dtype, base64: bytes.toString("base64") };
}

function decode(weight: StoredWeight): WeightData {
  const bytes = Buffer.from(weight.base64, "base64");
  // A copy into a fresh, aligned buffer: the typed array then owns its memory.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const values = weight.dtype === "int32" ? new Int32Array(buffer) : new Float32Array(buffer);
  return { shape: [...weight.shape], dtype: weight.dtype, values };
}
