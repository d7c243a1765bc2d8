/**
 * The training pool kept warm for a process (a kernel session): searches borrow it with
 * {@link WarmPool.borrow} and give it back with {@link WarmPool.giveBack}, so the next search with
 * the same backend and thread count reuses its threads, their loaded backend and, when the data is
 * the same, their tensors of it. One pool is kept at a time: a search asking for another backend
 * or size replaces it (each thread holds a copy of the data, so two idle pools would hold two).
 * A pool with a dead thread is replaced. While kept, the threads do not keep the process alive;
 * the process's exit (kernel shutdown or restart) ends them, or {@link WarmPool.close}.
 */
import type { BackendName } from "../backend";
import type { TrainingData } from "../trainingData";
import { TrainingPool } from "./pool";

/** Starts a pool (injected in tests). */
export type PoolStarter = (options: { readonly size: number; readonly backend: BackendName }) => Promise<TrainingPool>;

/** Where pools come from and go back to; see the module comment. */
export class WarmPool {
  private kept: { readonly pool: TrainingPool; readonly backend: BackendName; lent: boolean } | undefined;

  constructor(private readonly start: PoolStarter = (options) => TrainingPool.start(options)) {}

  /**
   * A pool of `size` threads on `backend` holding `data`: the kept one when it matches, is
   * healthy and is not lent out, else a new one (kept in place of the old unless the kept one
   * is lent out, as when two searches run at once).
   * @throws Error when the threads cannot start or take the data
   */
  async borrow(size: number, backend: BackendName, data: TrainingData): Promise<TrainingPool> {
    const kept = this.kept;
    let pool: TrainingPool;
    if (kept !== undefined && !kept.lent && kept.backend === backend && kept.pool.size === size && kept.pool.healthy) {
      kept.lent = true;
      pool = kept.pool;
    } else {
      pool = await this.start({ size, backend });
      if (kept === undefined || !kept.lent) {
        this.kept = { pool, backend, lent: true };
        await kept?.pool.close();
      }
    }
    try {
      await pool.useData(data);
    } catch (error) {
      await this.giveBack(pool, { broken: true });
      throw error;
    }
    return pool;
  }

  /**
   * Returns a borrowed pool: the kept one waits for the next search (closed instead when
   * `broken`, or when a thread died); any other is closed.
   */
  async giveBack(pool: TrainingPool, { broken = false }: { readonly broken?: boolean } = {}): Promise<void> {
    if (this.kept?.pool !== pool || broken || !pool.healthy) {
      if (this.kept?.pool === pool) this.kept = undefined;
      await pool.close();
      return;
    }
    this.kept.lent = false;
    pool.idle();
  }

  /** The pool kept for the next search, if any. */
  get current(): TrainingPool | undefined {
    return this.kept?.pool;
  }

  /** Closes the kept pool. */
  async close(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    await kept?.pool.close();
  }
}

/** The process's warm pool, shared by every `%%tune` cell of the kernel session. */
export const sessionPool = new WarmPool();
