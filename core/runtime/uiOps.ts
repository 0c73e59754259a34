/** Operations the web runtime asks of the dashboard host through HostId.Ui:
 * ui(controlIndex, op, a, b). */
export enum UiOp {
  /** a = text */
  SetText = 1,
  /** a = label, b = callback slot (send VmEvent.UiEvent with that slot and the new boolean) */
  Toggle = 2,
}
