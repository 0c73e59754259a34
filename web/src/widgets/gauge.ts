import { formatNumber, html, svg } from "./svg";

export interface GaugeOptions {
  min: number;
  max: number;
  unit: string;
}

/** A half-circle gauge: the arc fills from min to max, the value sits in the middle. The value
 * is also exposed as an ARIA meter so tests and screen readers read it without the SVG. */
export class Gauge {
  readonly element: HTMLElement;
  private readonly fill: SVGPathElement;
  private readonly label: SVGTextElement;
  private readonly unit: string;
  /** Half the circumference of r=40, rounded as it is written into the SVG. */
  private static readonly LENGTH = Math.round(Math.PI * 40 * 100) / 100;

  constructor(
    private readonly options: GaugeOptions,
    title: string,
  ) {
    const { min, max, unit } = options;
    this.element = html("div", { class: "gauge", role: "meter", "aria-label": `${title} gauge`, "aria-valuemin": String(min), "aria-valuemax": String(max) });
    const drawing = svg("svg", { viewBox: "0 0 100 60", "aria-hidden": "true" });
    const arc = "M 10 50 A 40 40 0 0 1 90 50";
    drawing.append(svg("path", { d: arc, class: "gauge-track" }));
    this.fill = svg("path", { d: arc, class: "gauge-fill", "stroke-dasharray": `0 ${Gauge.LENGTH}`, visibility: "hidden" });
    drawing.append(this.fill);
    this.label = svg("text", { x: 50, y: 46, class: "gauge-value", "text-anchor": "middle" });
    this.label.textContent = "–";
    drawing.append(this.label);
    const minLabel = svg("text", { x: 10, y: 59, class: "gauge-bound", "text-anchor": "middle" });
    minLabel.textContent = formatNumber(min);
    const maxLabel = svg("text", { x: 90, y: 59, class: "gauge-bound", "text-anchor": "middle" });
    maxLabel.textContent = formatNumber(max);
    drawing.append(minLabel, maxLabel);
    this.element.append(drawing);
    this.unit = unit;
  }

  set(value: number): void {
    const { min, max } = this.options;
    const span = max > min ? max - min : 1;
    const fraction = Math.min(1, Math.max(0, (value - min) / span));
    this.fill.removeAttribute("visibility");
    this.fill.setAttribute("stroke-dasharray", `${(fraction * Gauge.LENGTH).toFixed(2)} ${Gauge.LENGTH}`);
    const text = `${formatNumber(value)} ${this.unit}`.trim();
    this.label.textContent = text;
    this.element.setAttribute("aria-valuenow", String(value));
    this.element.setAttribute("aria-valuetext", text);
  }
}
