import { formatNumber, html, svg } from "./svg";

export interface ChartOptions {
  unit: string;
  windowSeconds: number;
}

const WIDTH = 320;
const HEIGHT = 120;
const PLOT = { left: 40, right: 314, top: 8, bottom: 98 };

/** A time series of the last `windowSeconds`: an SVG polyline with min/max value labels and a
 * time axis ("-2 min" … "now"). Redrawn per value; a window holds at most a few hundred points. */
export class Chart {
  readonly element: HTMLElement;
  private readonly points: { t: number; v: number }[] = [];
  private readonly line: SVGPolylineElement;
  private readonly last: SVGCircleElement;
  private readonly top: SVGTextElement;
  private readonly bottom: SVGTextElement;

  constructor(
    private readonly options: ChartOptions,
    title: string,
    private readonly now: () => number = Date.now,
  ) {
    this.element = html("figure", { class: "chart", role: "img", "aria-label": `${title} chart, last ${describeWindow(options.windowSeconds)}` });
    const drawing = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, "aria-hidden": "true" });
    drawing.append(svg("rect", { x: PLOT.left, y: PLOT.top, width: PLOT.right - PLOT.left, height: PLOT.bottom - PLOT.top, class: "chart-area" }));
    for (const y of [PLOT.top, (PLOT.top + PLOT.bottom) / 2, PLOT.bottom]) {
      drawing.append(svg("line", { x1: PLOT.left, x2: PLOT.right, y1: y, y2: y, class: "chart-grid" }));
    }
    this.line = svg("polyline", { class: "chart-line", points: "" });
    // The newest value as a dot: a single reading has no line to draw yet.
    this.last = svg("circle", { r: 3, class: "chart-dot", cx: -10, cy: -10 });
    drawing.append(this.line, this.last);
    this.top = axisLabel(PLOT.left - 4, PLOT.top + 4, "end");
    this.bottom = axisLabel(PLOT.left - 4, PLOT.bottom + 2, "end");
    const start = axisLabel(PLOT.left, HEIGHT - 4, "start");
    start.textContent = `-${describeWindow(options.windowSeconds)}`;
    const end = axisLabel(PLOT.right, HEIGHT - 4, "end");
    end.textContent = "now";
    const unit = axisLabel(PLOT.left - 4, (PLOT.top + PLOT.bottom) / 2 + 4, "end");
    unit.textContent = options.unit;
    drawing.append(this.top, this.bottom, start, end, unit);
    this.element.append(drawing);
  }

  get windowSeconds(): number {
    return this.options.windowSeconds;
  }

  /** Values shown now (oldest first), for the page's accessibility text and tests. */
  get values(): number[] {
    return this.points.map((p) => p.v);
  }

  /** `at`: when the value was measured (a stored message's device time); default now. Points
   * are kept in time order, so history arriving after a live value still lands in its place. */
  append(value: number, at?: number): void {
    const t = this.now();
    const point = { t: Math.min(at ?? t, t), v: value };
    let i = this.points.length;
    while (i > 0 && this.points[i - 1].t > point.t) i--;
    this.points.splice(i, 0, point);
    const oldest = t - this.options.windowSeconds * 1000;
    while (this.points.length && this.points[0].t < oldest) this.points.shift();
    this.draw(t);
  }

  private draw(t: number): void {
    let low = Infinity;
    let high = -Infinity;
    for (const p of this.points) {
      low = Math.min(low, p.v);
      high = Math.max(high, p.v);
    }
    if (high - low < 1e-9) {
      // A flat line sits mid-chart instead of on an edge.
      low -= 1;
      high += 1;
    }
    const plotLow = low - (high - low) * 0.1;
    const plotHigh = high + (high - low) * 0.1;
    const windowMs = this.options.windowSeconds * 1000;
    const x = (pt: number) => PLOT.right - ((t - pt) / windowMs) * (PLOT.right - PLOT.left);
    // 10% headroom: the extremes stay off the frame, the labels still name the extremes.
    const y = (v: number) => PLOT.bottom - ((v - plotLow) / (plotHigh - plotLow)) * (PLOT.bottom - PLOT.top);
    this.line.setAttribute("points", this.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "));
    const newest = this.points[this.points.length - 1];
    if (newest) {
      this.last.setAttribute("cx", x(newest.t).toFixed(1));
      this.last.setAttribute("cy", y(newest.v).toFixed(1));
    }
    this.top.textContent = formatNumber(high);
    this.bottom.textContent = formatNumber(low);
  }
}

function axisLabel(x: number, y: number, anchor: "start" | "end"): SVGTextElement {
  return svg("text", { x, y, class: "chart-label", "text-anchor": anchor });
}

function describeWindow(seconds: number): string {
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
