/**
 * Existence probes of files and folders, remembered while one program is built. Module
 * resolution asks the same questions many times: the first program (the libraries, `@types/node`
 * and `undici-types`) asks whether a folder exists about 4,700 times for about 370 folders (each
 * `node_modules` up to the root, for every import of `node:fs` and the like and for each library's
 * `@typescript/lib-*` override), and each question is a `stat`. The answers are forgotten when
 * the next program is built, so a package installed between two cells is seen by the next one.
 */

/** A question about the file system: whether the file or folder at a path exists. */
export type Probe = (path: string) => boolean;

/** Existence probes, each path asked once per {@link FileProbes.forget}. */
export class FileProbes {
  private readonly files = new Map<string, boolean>();
  private readonly directories = new Map<string, boolean>();

  /**
   * @param fileProbe whether a file exists (asked on the first question about a path)
   * @param directoryProbe whether a folder exists
   */
  constructor(
    private readonly fileProbe: Probe,
    private readonly directoryProbe: Probe,
  ) {}

  /** Whether the file `fileName` exists. */
  fileExists(fileName: string): boolean {
    return remembered(this.files, fileName, this.fileProbe);
  }

  /** Whether the folder `directory` exists. */
  directoryExists(directory: string): boolean {
    return remembered(this.directories, directory, this.directoryProbe);
  }

  /** Forgets every answer (before the next program: the file system may have changed). */
  forget(): void {
    this.files.clear();
    this.directories.clear();
  }
}

function remembered(answers: Map<string, boolean>, path: string, probe: Probe): boolean {
  const known = answers.get(path);
  if (known !== undefined) return known;
  const answer = probe(path);
  answers.set(path, answer);
  return answer;
}
