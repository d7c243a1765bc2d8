/** The `kernel_info_reply` content. */
import type { Language } from "../exec/engine";
import { PROTOCOL_VERSION, type Content } from "./messages";

/** This package's version (from package.json). */
export function tunelabVersion(): string {
  try {
    return (require("../../../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/** The version of tslab's TypeScript, read without loading the compiler. */
function typescriptVersion(): string {
  try {
    return (require("@tslab/typescript-for-tslab/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** What `kernel_info_request` answers for a kernel of `language` (cheap: no compiler loaded). */
export function kernelInfo(language: Language): Content {
  const typescript = language === "typescript";
  const ts = { version: typescriptVersion() };
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "tunelab",
    implementation_version: tunelabVersion(),
    language_info: typescript
      ? {
          name: "typescript",
          version: ts.version,
          mimetype: "text/typescript",
          file_extension: ".ts",
          codemirror_mode: { name: "javascript", typescript: true },
          pygments_lexer: "typescript",
        }
      : {
          name: "javascript",
          version: process.versions.v8,
          mimetype: "text/javascript",
          file_extension: ".js",
          codemirror_mode: "javascript",
          pygments_lexer: "javascript",
        },
    banner: `tunelab ${tunelabVersion()}: ${typescript ? `TypeScript ${ts.version}` : "JavaScript"} on Node.js ${process.version} (hyperparameter tuning with %%tune)`,
    debugger: false,
    help_links: [
      { text: "tunelab", url: "https://github.com/tunelab/tunelab" },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: "https://nodejs.org/api/" },
      { text: "TensorFlow.js API", url: "https://js.tensorflow.org/api/latest/" },
    ],
  };
}
