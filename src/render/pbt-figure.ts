/**
 * The population-based training figure: the population over rounds and each member's
 * hyperparameter schedule, from the trials of a `--strategy pbt` search (one trial per
 * member-round, user attributes `member`, `round`, `parent`; see src/magic/tune/pbt-search.ts).
 *
 * Top panel: each member's metric at every epoch it trained, one colour per member; an exploit
 * event (a member-round that copied another) is a star at its first epoch, joined by a dotted line
 * to the last point of the round it copied. Below: one panel per parameter that changed during
 * training, each member's value as a step function of the epoch.
 *
 * `pbtPopulation` (pbt-info.ts) is the pure info step (trials → members → rounds), kept in
 * {@link StudyInfo}'s `population`; `pbtPlot` draws it.
 */
import type { ParamValue } from "../engine/types";
import { formatNumber, roundSignificant as round } from "./format";
import { baseLayout, emptyFigure, type PlotlyTrace, type StudyFigure } from "./figure-types";
import type { StudyInfo } from "./info-types";
import { bracketColor } from "./bracket-figure";
import { alignedTable } from "./text";

/** The PBT figure of a study (see the module comment). */
export function pbtPlot(info: Pick<StudyInfo, "metric" | "parameters" | "population">): StudyFigure {
  const title = `population-based training (${info.metric})`;
  const population = info.population;
  if (population.members.length === 0) return { name: "pbt", figure: emptyFigure(title, "no trial of a PBT search"), text: "no PBT members" };
  const byTrial = new Map(population.members.flat().map((r) => [r.trial, r]));
  const data: PlotlyTrace[] = [];
  population.members.forEach((rounds, m) => {
    const points = rounds.flatMap((r) => r.steps.map((s, i) => ({ x: s + 1, y: r.values[i]!, trial: r.trial })));
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `member ${m}`,
      legendgroup: `member ${m}`,
      x: points.map((p) => p.x),
      y: points.map((p) => round(p.y)),
      customdata: points.map((p) => p.trial),
      line: { color: bracketColor(m), width: 1.5 },
      marker: { size: 4 },
      hovertemplate: `member ${m}, trial %{customdata}<br>epoch %{x}<br>value %{y}<extra></extra>`,
    });
  });
  const events = population.members.flat().filter((r) => r.parent !== undefined && r.steps.length > 0);
  const links = events.flatMap((r) => {
    const parent = byTrial.get(r.parent!);
    if (parent === undefined || parent.steps.length === 0) return [];
    return [
      { x: parent.steps[parent.steps.length - 1]! + 1, y: parent.values[parent.values.length - 1]! },
      { x: r.steps[0]! + 1, y: r.values[0]! },
      { x: null, y: null },
    ];
  });
  data.push({ type: "scatter", mode: "lines", name: "copied from", x: links.map((p) => p.x), y: links.map((p) => (p.y === null ? null : round(p.y))), line: { color: "#7f7f7f", dash: "dot", width: 1 }, hoverinfo: "skip" });
  data.push({
    type: "scatter",
    mode: "markers",
    name: "exploit",
    x: events.map((r) => r.steps[0]! + 1),
    y: events.map((r) => round(r.values[0]!)),
    marker: { symbol: "star", size: 11, color: events.map((r) => bracketColor(r.member)), line: { color: "#000", width: 0.5 } },
    text: events.map((r) => `member ${r.member} copied trial ${r.parent} (member ${byTrial.get(r.parent!)?.member ?? "?"})`),
    hovertemplate: "%{text}<br>epoch %{x}<extra></extra>",
  });
  const panels = population.changing.length;
  const share = 1 / (2 + panels);
  const layout: Record<string, unknown> = {
    ...baseLayout(title, 380 + 160 * panels),
    xaxis: { title: { text: "epoch" }, anchor: panels === 0 ? "y" : `y${panels + 1}` },
    yaxis: { title: { text: info.metric }, domain: [1 - 2 * share + 0.03, 1] },
    legend: { title: { text: "member" } },
  };
  population.changing.forEach((name, k) => {
    const axis = `y${k + 2}`;
    const top = 1 - (2 + k) * share;
    layout[`yaxis${k + 2}`] = { title: { text: name }, domain: [Math.max(0, top - share + 0.03), top], ...(isLogScale(info, name) ? { type: "log" } : {}) };
    population.members.forEach((rounds, m) => {
      const steps = rounds.filter((r) => r.steps.length > 0);
      const last = steps[steps.length - 1];
      const x = [...steps.map((r) => r.steps[0]! + 1), ...(last === undefined ? [] : [last.steps[last.steps.length - 1]! + 1])];
      const y = [...steps.map((r) => r.params[name] ?? null), ...(last === undefined ? [] : [last.params[name] ?? null])];
      data.push({ type: "scatter", mode: "lines", name: `member ${m}`, legendgroup: `member ${m}`, showlegend: false, x, y: y.map((v) => (typeof v === "number" ? round(v) : v)), yaxis: axis, line: { color: bracketColor(m), shape: "hv", width: 1.5 }, hovertemplate: `member ${m}<br>epoch %{x}<br>${name} %{y}<extra></extra>` });
    });
  });
  const rows = population.members.map((rounds, m) => {
    const last = rounds[rounds.length - 1]!;
    const value = last.values[last.values.length - 1];
    return [String(m), String(rounds.length), String(rounds.filter((r) => r.parent !== undefined).length), value === undefined ? "-" : formatNumber(value), population.changing.map((n) => `${n}=${formatParam(last.params[n])}`).join(" ")];
  });
  return {
    name: "pbt",
    figure: { data, layout },
    text: `${title}\n${alignedTable(["member", "rounds", "copies", "last value", "last parameters"], rows, ["right", "right", "right", "right", "left"])}`,
  };
}

/** Whether the space searches `name` on a log scale (its schedule panel is then logarithmic). */
function isLogScale(info: Pick<StudyInfo, "parameters">, name: string): boolean {
  return info.parameters.find((p) => p.name === name)?.scale === "log";
}

/** A parameter value in the text table: numbers compact, others as JSON. */
function formatParam(value: ParamValue | undefined): string {
  return typeof value === "number" ? formatNumber(value) : JSON.stringify(value ?? null);
}
