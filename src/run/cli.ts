/**
 * `tunelab run NOTEBOOK.ipynb`: executes a notebook headless through a tunelab kernel (no Python,
 * no Jupyter) and writes the executed notebook, and optionally a self-contained HTML page.
 */
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { executeNotebook, type CellEvent, type ExecuteResult } from "./execute";
import { notebookToHtml } from "./html";
import type { KernelLanguage } from "./kernel-client";
import { NotebookError, readNotebook, writeNotebook, type Notebook } from "./notebook";
import { injectParameters, INJECTED_TAG, PARAMETERS_TAG, ParameterError, parseParameter, type Parameter } from "./parameters";

/** Help text of `tunelab run`. */
export const RUN_USAGE = `Usage: tunelab run NOTEBOOK.ipynb [options]

Executes every code cell of the notebook, in order, in a fresh tunelab kernel (no Jupyter or
Python needed) and writes the notebook with its outputs, figures included.

Options:
  -p, --param NAME=VALUE  set a parameter (repeatable); VALUE is read as JSON when it parses
                          (3, 0.01, true, [1,2], "text"), otherwise taken as a string
  -o, --output FILE       where to write the executed notebook (default: NOTEBOOK.out.ipynb
                          beside the input; the input is never overwritten unless named here)
      --html FILE         also write a self-contained HTML page (renders offline, Plotly included)
      --allow-errors      run every cell even after one fails (the run still exits 0)
      --timeout SECONDS   limit per cell; a cell running longer is interrupted and fails
      --input VALUE       an answer for input()/prompt() in a cell (repeatable, used in order);
                          without one, a cell asking for input fails (there is no terminal stdin)
      --kernel LANG       typescript or javascript (default: the notebook's kernelspec language)
  -q, --quiet             no progress lines on stderr
  -h, --help              show this help

Parameters (as papermill does): tag one code cell "${PARAMETERS_TAG}" and declare the defaults
there, one per line, e.g.
    const learningRate = 0.01;
    let epochs = 5;
    const mode: string = "fast";   // typed: const mode = "fast" has the type "fast" alone,
                                   // and a later mode === "slow" would not type-check
--param values go into a new cell tagged "${INJECTED_TAG}" right after it (at the top when no
cell is tagged; a cell injected by an earlier run is replaced). It declares each name again with
the keyword and type annotation the parameters cell used (const when it does not declare the
name; a number, string or boolean without one gets the wide type), which tunelab kernels allow
across cells:
    const learningRate: number = 0.1;
    let epochs: number = 20;

Exit status: 0 when every cell ran (or --allow-errors), 1 when a cell failed or the run was
interrupted (Ctrl-C interrupts the running cell and writes what was done; a second Ctrl-C quits
at once, writing nothing, status 130), 2 for bad usage or a file that is not a notebook.

Set TUNELAB_RUN_DEBUG=1 to see the kernel's own log on stderr.`;

/** What the options asked for, once checked. */
interface RunRequest {
  readonly notebookPath: string;
  readonly outputPath: string;
  readonly htmlPath: string | undefined;
  readonly parameters: readonly Parameter[];
  readonly allowErrors: boolean;
  readonly timeoutMs: number | undefined;
  readonly inputs: readonly string[];
  readonly kernel: KernelLanguage | undefined;
  readonly quiet: boolean;
}

class UsageError extends Error {}

/**
 * Runs `tunelab run` with `argv` (the arguments after `run`).
 * @returns the exit status: 0 success, 1 a cell failed or the run was interrupted, 2 bad usage
 */
export async function runCommand(argv: readonly string[]): Promise<number> {
  let request: RunRequest | "help";
  try {
    request = parseRunArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ParameterError)) throw error;
    process.stderr.write(`tunelab run: ${error.message}\n\n${RUN_USAGE}\n`);
    return 2;
  }
  if (request === "help") {
    process.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  let notebook: Notebook;
  let language: KernelLanguage;
  try {
    notebook = readNotebook(request.notebookPath);
    language = request.kernel ?? kernelLanguageOf(notebook, request.notebookPath);
  } catch (error) {
    if (!(error instanceof NotebookError)) throw error;
    process.stderr.write(`tunelab run: ${error.message}\n`);
    return 2;
  }
  const say = (line: string) => {
    if (!request.quiet) process.stderr.write(`${line}\n`);
  };
  let injection: ReturnType<typeof injectParameters>;
  try {
    injection = injectParameters(notebook, request.parameters, language);
  } catch (error) {
    // A value the parameters cell cannot take is bad usage, found before any cell runs.
    if (!(error instanceof ParameterError)) throw error;
    process.stderr.write(`tunelab run: ${error.message}
`);
    return 2;
  }
  if (injection !== undefined) {
    if (!injection.foundParametersCell) say(`tunelab run: no cell is tagged "${PARAMETERS_TAG}"; parameters injected at the top`);
    else if (injection.undeclared.length > 0) say(`tunelab run: the parameters cell does not declare ${injection.undeclared.join(", ")}`);
  }

  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) {
      // A second Ctrl-C does not wait: the kernel exits by itself once its parent is gone.
      process.stderr.write("tunelab run: interrupted twice; exiting without writing the notebook\n");
      process.exit(130);
    }
    say("tunelab run: interrupted; stopping the running cell and writing what was done (Ctrl-C again to quit at once)");
    interrupt.abort();
  };
  process.on("SIGINT", onSigint);
  let result: ExecuteResult;
  try {
    result = await executeNotebook(notebook, {
      language,
      cwd: path.dirname(path.resolve(request.notebookPath)),
      allowErrors: request.allowErrors,
      ...(request.timeoutMs === undefined ? {} : { cellTimeoutMs: request.timeoutMs }),
      inputs: request.inputs,
      signal: interrupt.signal,
      onCell: (event) => {
        if (event.kind === "done") say(progressLine(event));
      },
    });
  } catch (error) {
    process.stderr.write(`tunelab run: ${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
  writeNotebook(request.outputPath, notebook);
  say(`tunelab run: wrote ${request.outputPath}`);
  if (request.htmlPath !== undefined) {
    writeFileSync(request.htmlPath, notebookToHtml(notebook));
    say(`tunelab run: wrote ${request.htmlPath}`);
  }
  if (result.status === "completed") return 0;
  const where = result.failedCell === undefined ? "" : ` at cell ${result.failedCell + 1} of ${notebook.cells.length}`;
  const why = result.firstError === undefined ? "" : `: ${result.firstError}`;
  process.stderr.write(`tunelab run: ${result.status === "interrupted" ? "interrupted" : "stopped"}${where}${why}\n`);
  return 1;
}

function parseRunArguments(argv: readonly string[]): RunRequest | "help" {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "expected a notebook file (NOTEBOOK.ipynb)" : `expected one notebook, got ${positionals.length}: ${positionals.join(" ")}`);
  }
  const notebookPath = positionals[0]!;
  if (!existsSync(notebookPath)) throw new UsageError(`notebook not found: ${notebookPath}`);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout expects a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
    timeoutMs = Math.round(seconds * 1000);
  }
  const kernel = values.kernel;
  if (kernel !== undefined && kernel !== "typescript" && kernel !== "javascript") {
    throw new UsageError(`--kernel expects typescript or javascript, got ${JSON.stringify(kernel)}`);
  }
  const outputPath = values.output ?? defaultOutputPath(notebookPath);
  for (const [option, file] of [["--output", outputPath], ["--html", values.html]] as const) {
    if (file !== undefined && !existsSync(path.dirname(path.resolve(file)))) {
      throw new UsageError(`${option}: the folder of ${file} does not exist (${path.dirname(path.resolve(file))})`);
    }
  }
  return {
    notebookPath,
    outputPath,
    htmlPath: values.html,
    parameters: (values.param ?? []).map(parseParameter),
    allowErrors: values["allow-errors"] === true,
    timeoutMs,
    inputs: values.input ?? [],
    kernel,
    quiet: values.quiet === true,
  };
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      param: { type: "string", short: "p", multiple: true },
      output: { type: "string", short: "o" },
      html: { type: "string" },
      "allow-errors": { type: "boolean" },
      timeout: { type: "string" },
      input: { type: "string", multiple: true },
      kernel: { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** `dir/name.ipynb` → `dir/name.out.ipynb`. */
export function defaultOutputPath(notebookPath: string): string {
  const parsed = path.parse(notebookPath);
  return path.join(parsed.dir, `${parsed.name}.out${parsed.ext === "" ? ".ipynb" : parsed.ext}`);
}

/**
 * The kernel language from the notebook's metadata (`kernelspec.language`, else
 * `language_info.name`, else the kernelspec name `tunelab-js`); TypeScript when none is given.
 */
export function kernelLanguageOf(notebook: Notebook, source: string): KernelLanguage {
  const metadata = notebook.metadata;
  const kernelspec = (metadata["kernelspec"] ?? {}) as Record<string, unknown>;
  const languageInfo = (metadata["language_info"] ?? {}) as Record<string, unknown>;
  const declared = kernelspec["language"] ?? languageInfo["name"] ?? (kernelspec["name"] === "tunelab-js" ? "javascript" : undefined);
  if (declared === undefined) return "typescript";
  const name = String(declared).toLowerCase();
  if (name === "typescript" || name === "ts") return "typescript";
  if (name === "javascript" || name === "js") return "javascript";
  throw new NotebookError(`${source}: unknown kernel language ${JSON.stringify(declared)} (kernelspec.language); tunelab runs typescript or javascript notebooks (or pass --kernel)`);
}

function progressLine(event: Extract<CellEvent, { kind: "done" }>): string {
  return `tunelab run: cell ${event.index + 1}/${event.total} ${event.status} (${(event.ms / 1000).toFixed(2)} s)`;
}
