/**
 * The journal's inter-process lock: a lock file created exclusively — a hard link to a file
 * already holding the taker's identity, so the lock file is never seen empty (`link` fails if the
 * name exists, atomically on local file systems and on NFS, as Optuna's journal file locks). The
 * file holds who took it — host, pid, thread and a token naming the storage object — so a waiting
 * process can tell a holder that is gone from one that is busy:
 * - a holder on this host whose process no longer exists (killed while holding it; or its pid now
 *   names a process that started at another time) is broken at once, with a line in the log
 *   naming it;
 * - a holder on another host or in another pid namespace (a container of the same host name), or
 *   an unreadable lock file, is broken once the lock file is older
 *   than `staleMs` (default 30 s; the lock is held only for a catch-up and one append);
 * - a live holder on this host is waited for, up to `waitLimitMs` (default 2 min); then the
 *   operation fails with a message naming the holder and the lock file.
 * Breaking renames the stale file away first and checks that what it renamed is what it judged
 * stale, so two processes breaking one stale lock do not remove each other's fresh lock.
 */
import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { threadId } from "node:worker_threads";

import { messageOf } from "../../common/errors";
import { log } from "../../common/log";
import { StorageError } from "./memory";

/** Who holds (or held) a lock, or runs a trial: enough to tell whether that process still exists. */
export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** The worker thread (0: the main thread). */
  readonly thread: number;
  /** Names one storage object within the process (see {@link isOpenToken}). */
  readonly token: string;
  /**
   * When the process started ({@link processStart}), so that another process given the same pid
   * later is not taken for it; absent where /proc is not there, and in journals written before.
   */
  readonly started?: number;
  /**
   * The process's pid namespace (`pid:[4026531836]`): two containers may share a host name and a
   * journal, but not their pids, so a pid is looked up only in its own namespace. Absent where
   * /proc is not there, and in journals written before.
   */
  readonly pidNamespace?: string;
}

const openTokens = new Set<string>();

/** This process's pid namespace, or `undefined` where /proc is not there. */
const OWN_PID_NAMESPACE = ((): string | undefined => {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
})();

/** A new identity for a storage object of this process; it counts as alive until {@link retireToken}. */
export function newIdentity(): ProcessIdentity {
  const started = processStart(process.pid);
  const identity = {
    host: hostname(),
    pid: process.pid,
    thread: threadId,
    token: randomUUID(),
    ...(started === undefined ? {} : { started }),
    ...(OWN_PID_NAMESPACE === undefined ? {} : { pidNamespace: OWN_PID_NAMESPACE }),
  };
  openTokens.add(identity.token);
  return identity;
}

/** Marks a storage object of this thread as closed: what it held is no longer anyone's. */
export function retireToken(token: string): void {
  openTokens.delete(token);
}

/**
 * Whether the process `who` names is gone: `true` when it surely is (on this host and in this
 * pid namespace, no such process, or one that started at another time than `who.started`; or
 * this very thread, whose storage object of that token is closed), `false` when it surely is
 * not, `undefined` when this process cannot tell (another host, another pid namespace such as
 * another container of the same host name, or another thread).
 */
export function isGone(who: Partial<ProcessIdentity>): boolean | undefined {
  if (who.host !== hostname() || typeof who.pid !== "number") return undefined;
  if (who.pidNamespace !== undefined && who.pidNamespace !== OWN_PID_NAMESPACE) return undefined;
  if (who.pid === process.pid) {
    if (who.thread !== threadId) return undefined;
    return !openTokens.has(who.token ?? "");
  }
  try {
    process.kill(who.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  // A process with that pid exists: the same one only if it started when the identity says
  // (pids are reused: a killed kernel's pid may now be any other process's).
  if (typeof who.started !== "number") return false;
  const started = processStart(who.pid);
  return started !== undefined && started !== who.started;
}

/**
 * When process `pid` started, in clock ticks after boot (field 22 of Linux's `/proc/<pid>/stat`);
 * `undefined` where there is no such file (another system, or the process is gone).
 */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields after it start at 3.
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3]);
    return Number.isSafeInteger(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** Describes a process identity for messages: `pid 123 on host "h"`. */
export function describeProcess(who: Partial<ProcessIdentity>): string {
  return `pid ${who.pid ?? "?"} on host ${JSON.stringify(who.host ?? "?")}`;
}

/** Options of {@link JournalLock}. */
export interface JournalLockOptions {
  /** A lock file older than this (ms) whose holder cannot be checked is broken (default 30 000). */
  readonly staleMs?: number;
  /** How long to wait for a live holder before failing (ms, default 120 000). */
  readonly waitLimitMs?: number;
}

/** An exclusive lock file beside a journal (see the module comment). */
export class JournalLock {
  readonly path: string;
  private readonly owner: ProcessIdentity;
  private readonly staleMs: number;
  private readonly waitLimitMs: number;

  constructor(path: string, owner: ProcessIdentity, options: JournalLockOptions = {}) {
    this.path = path;
    this.owner = owner;
    this.staleMs = options.staleMs ?? 30_000;
    this.waitLimitMs = options.waitLimitMs ?? 120_000;
  }

  /** Runs `section` (synchronous) holding the lock, waiting for it without blocking the event loop. */
  async run<T>(section: () => T): Promise<T> {
    const start = Date.now();
    for (let attempt = 0; !this.tryAcquire(start); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
    return this.holding(section);
  }

  /** Runs `section` holding the lock, blocking the thread while it waits (for synchronous callers). */
  runSync<T>(section: () => T): T {
    const start = Date.now();
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (let attempt = 0; !this.tryAcquire(start); attempt++) Atomics.wait(cell, 0, 0, backoffMs(attempt));
    return this.holding(section);
  }

  private holding<T>(section: () => T): T {
    try {
      return section();
    } finally {
      this.release();
    }
  }

  /**
   * One attempt: writes who we are to a file of our own, then links it as the lock file (a hard
   * link is created exclusively and atomically, on NFS too, and the lock file is never seen
   * empty); or breaks a stale lock (and reports failure this time).
   */
  private tryAcquire(start: number): boolean {
    const mine = `${this.path}.${this.owner.token}`;
    try {
      writeFileSync(mine, JSON.stringify({ ...this.owner, at: Date.now() }));
    } catch (error) {
      removeQuietly(mine);
      throw new StorageError(`could not take the journal lock ${this.path}: writing ${mine} failed (${messageOf(error)}); nothing was written to the journal`);
    }
    try {
      linkSync(mine, this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      this.breakIfStale(start);
      return false;
    } finally {
      removeQuietly(mine);
    }
  }

  private release(): void {
    try {
      // Remove only our own lock (it may have been broken as stale and taken by another process).
      if (readHolder(this.path)?.token === this.owner.token) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  /** Breaks the lock file if its holder is gone (see the module comment), or throws past the wait limit. */
  private breakIfStale(start: number): void {
    let text: string;
    let ageMs: number;
    try {
      text = readFileSync(this.path, "utf8");
      ageMs = Date.now() - statSync(this.path).mtimeMs;
    } catch {
      return; // released meanwhile
    }
    const holder = parseHolder(text);
    const gone = holder === undefined ? undefined : isGone(holder);
    let reason: string | undefined;
    if (gone === true) reason = `held by ${describeProcess(holder as ProcessIdentity)}, which is gone`;
    else if (gone === undefined && ageMs > this.staleMs) {
      reason = `${holder === undefined ? "unreadable" : `held by ${describeProcess(holder)}`} for ${duration(ageMs)} (over ${duration(this.staleMs)})`;
    }
    if (reason === undefined) {
      if (Date.now() - start > this.waitLimitMs) {
        throw new StorageError(
          `the journal lock ${this.path} has been held for over ${duration(this.waitLimitMs)} by ${holder === undefined ? "an unknown process" : describeProcess(holder)}; ` +
            `if no tunelab process is using the journal, delete the lock file`,
        );
      }
      return;
    }
    const aside = `${this.path}.stale-${this.owner.token}`;
    try {
      renameSync(this.path, aside);
    } catch {
      return; // another process broke it first
    }
    let moved = "";
    try {
      moved = readFileSync(aside, "utf8");
    } catch {
      // Unreadable: judged below as not what was seen.
    }
    if (moved !== text) {
      // Between the look and the rename another process broke the stale lock and took a fresh one:
      // put it back (link fails if yet another lock exists, which is then the live one).
      try {
        linkSync(aside, this.path);
      } catch {
        // Nothing to restore over.
      }
    } else {
      log(`journal lock ${this.path}: broke a stale lock (${reason})`);
    }
    try {
      unlinkSync(aside);
    } catch {
      // Already gone.
    }
  }
}

/** Removes `path` if it exists. */
function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there.
  }
}

/** `300 ms`, `30 s`. */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

function backoffMs(attempt: number): number {
  return Math.min(2 ** attempt, 20);
}

function readHolder(path: string): Partial<ProcessIdentity> | undefined {
  return parseHolder(readFileSync(path, "utf8"));
}

function parseHolder(text: string): Partial<ProcessIdentity> | undefined {
  try {
    const value = JSON.parse(text) as Partial<ProcessIdentity> | null;
    return typeof value === "object" && value !== null && typeof value.pid === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}
