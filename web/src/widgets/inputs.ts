import { html } from "./svg";

/** A switch (role="switch", aria-checked): clicking flips it and reports the new state. */
export function toggleSwitch(label: string, onChange: (on: boolean) => void, on = false): HTMLElement {
  const button = html("button", { type: "button", class: "switch", role: "switch", "aria-checked": String(on), "aria-label": label });
  button.append(html("span", { class: "switch-track", "aria-hidden": "true" }), html("span", { class: "switch-label" }, label));
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-checked") !== "true";
    button.setAttribute("aria-checked", String(on));
    onChange(on);
  });
  return button;
}

export function pushButton(label: string, onClick: () => void): HTMLElement {
  const button = html("button", { type: "button", class: "push" }, label);
  button.addEventListener("click", onClick);
  return button;
}

export interface SliderOptions {
  min: number;
  max: number;
  step: number;
}

/** A range input; reports on release ("change"), not on every pixel, so a drag sends one message. */
export function slider(options: SliderOptions, label: string, onChange: (value: number) => void, value = options.min): HTMLElement {
  const wrapper = html("label", { class: "slider" });
  const input = html("input", {
    type: "range",
    min: String(options.min),
    max: String(options.max),
    step: String(options.step > 0 ? options.step : "any"),
    value: String(value),
    "aria-label": label,
  });
  const output = html("output", {}, String(value));
  input.addEventListener("input", () => (output.textContent = input.value));
  input.addEventListener("change", () => onChange(Number(input.value)));
  wrapper.append(input, output);
  return wrapper;
}

/** Shows a new state without reporting it (a control following the device: `handle.set(v)`). */
export function setToggleState(toggle: HTMLElement, on: boolean): void {
  toggle.setAttribute("aria-checked", String(on));
}

/** Moves a slider (from `slider()`) without reporting it; a drag in progress is left alone. */
export function setSliderValue(wrapper: HTMLElement, value: number): void {
  const input = wrapper.querySelector("input")!;
  if (document.activeElement === input && input.matches(":active")) return;
  input.value = String(value);
  wrapper.querySelector("output")!.textContent = input.value;
}
