import type { PinDecl } from "../core/contracts/manifest";
import { sineModel, type PinModel } from "./pinModel";

/** The hardware abstraction the supervisor drives. A real board implements it with its HAL. */
export interface Board {
  hasPin(kind: "analog" | "digital", name: string): boolean;
  analogRead(name: string): number;
  digitalRead(name: string): boolean;
  digitalWrite(name: string, value: boolean): void;
}

export interface DigitalWrite {
  pin: string;
  value: boolean;
  at: number;
}

/** Analog pins without a model follow a slow 20-30 sine, so fresh readings visibly change. */
export const defaultAnalogModel = (): PinModel => sineModel(20, 30, 60);

/** A board whose analog pins follow models (constant, sine, CSV, callback) and whose digital
 * pins remember what was written, so tests and `run-device` can watch a feature work. */
export class SimulatedBoard implements Board {
  readonly writes: DigitalWrite[] = [];
  private readonly analog = new Map<string, PinModel>();
  private readonly digital = new Map<string, boolean>();
  private writeListeners: ((w: DigitalWrite) => void)[] = [];

  constructor(private readonly now: () => number) {}

  /** A board with every pin the manifest declares; analog pins without a model get a slow
   * 20-30 sine, so a fresh `run-device` shows changing readings. */
  static forPins(pins: PinDecl[], now: () => number, models: Record<string, PinModel> = {}): SimulatedBoard {
    const board = new SimulatedBoard(now);
    for (const pin of pins) {
      if (pin.kind === "analog") board.setAnalogModel(pin.name, models[pin.name] ?? defaultAnalogModel());
      else board.addDigitalPin(pin.name);
    }
    for (const [name, model] of Object.entries(models)) if (!board.analog.has(name)) board.setAnalogModel(name, model);
    return board;
  }

  setAnalogModel(name: string, model: PinModel): void {
    this.analog.set(name, model);
  }

  addDigitalPin(name: string, initial = false): void {
    this.digital.set(name, initial);
  }

  onDigitalWrite(listener: (w: DigitalWrite) => void): void {
    this.writeListeners.push(listener);
  }

  hasPin(kind: "analog" | "digital", name: string): boolean {
    return kind === "analog" ? this.analog.has(name) : this.digital.has(name);
  }

  analogRead(name: string): number {
    const model = this.analog.get(name);
    if (!model) throw new Error(`no analog pin ${name}`);
    return model(this.now());
  }

  digitalRead(name: string): boolean {
    const value = this.digital.get(name);
    if (value === undefined) throw new Error(`no digital pin ${name}`);
    return value;
  }

  digitalWrite(name: string, value: boolean): void {
    if (!this.digital.has(name)) throw new Error(`no digital pin ${name}`);
    this.digital.set(name, value);
    const w = { pin: name, value, at: this.now() };
    this.writes.push(w);
    for (const l of this.writeListeners) l(w);
  }
}
