/** The storage contract run against the storages that need no server: memory and the journal file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

import { JournalStorage } from "../../src/engine/storage/journal";
import { MemoryStorage } from "../../src/engine/storage/memory";
import { runStorageContract } from "./storage-contract";

const dir = mkdtempSync(join(tmpdir(), "tunelab-contract-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runStorageContract("memory", () => ({ open: async () => new MemoryStorage(), reopen: undefined }));

runStorageContract("journal", () => {
  const path = join(dir, `journal-${files++}.jsonl`);
  return { open: async () => JournalStorage.open(path), reopen: async () => JournalStorage.open(path) };
});
