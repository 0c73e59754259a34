/** Operations the web runtime asks of the dashboard host through HostId.Ui:
 * ui(controlIndex, op, ...args). Add ops, never renumber: deployed web snapshots carry the numbers.
 * User input comes back as FeatureVm.uiEvent(slot, value). */
export enum UiOp {
  /** [text] */
  SetText = 1,
  /** [label, slot]; the slot gets the new boolean. */
  Toggle = 2,
  /** [min, max, unit] → the host returns a widget id for SetValue. */
  Gauge = 3,
  /** [unit, windowSeconds] → widget id; a time series of the values set, `window` seconds long. */
  Chart = 4,
  /** [label, slot]; the slot gets null on each click. */
  Button = 5,
  /** [min, max, step, slot]; the slot gets the new number. */
  Slider = 6,
  /** [widgetId, value]: a gauge shows the value, a chart appends (now, value). */
  SetValue = 7,
}
