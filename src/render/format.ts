/**
 * Number and duration formatting shared by the info, figure and text steps. Figures carry
 * numbers rounded to {@link SIGNIFICANT_DIGITS} so their JSON stays small; text shows fewer.
 */

import type { ParamValue } from "../engine/types";

/** Significant digits kept in figure JSON (more would only cost bytes). */
export const SIGNIFICANT_DIGITS = 6;

/**
 * Rounds a number to `digits` significant digits (default {@link SIGNIFICANT_DIGITS}).
 * Non-finite numbers are returned unchanged; `-0` becomes `0`.
 */
export function roundSignificant(value: number, digits: number = SIGNIFICANT_DIGITS): number {
  if (!Number.isFinite(value) || value === 0) return value === 0 ? 0 : value;
  return Number(value.toPrecision(digits));
}

/**
 * A compact human form of a number: integers as they are, others with 4 significant digits,
 * switching to exponent form for very small or large magnitudes (1.234e-5).
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) {
    return value.toExponential(3).replace(/\.?0+e/, "e");
  }
  return String(Number(value.toPrecision(4)));
}

/** A parameter value as shown in tables and on category axes (`null` → "null"). */
export function formatParamValue(value: ParamValue | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "number") return formatNumber(value);
  return String(value);
}

/** A duration in milliseconds as "850 ms", "12.3 s", "4 min 05 s" or "2 h 03 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const wholeSeconds = Math.round(seconds);
  const minutes = Math.floor(wholeSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(wholeSeconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
