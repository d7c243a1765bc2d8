/** Option names as a magic declares them (`batchSize`) and as they are written (`--batch-size`). */

/** `batch-size` → `batchSize`. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** `batchSize` → `batch-size`, as an option is written. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
