// Object method shorthand (keeps `this`), computed and quoted keys (a quoted "-1" is a name like any
// other; keys that are numbers or digits are refused: passes.test.ts), shorthand values.
export function run() {
  const unit = "°C";
  const key = "dyn";
  const sensor = {
    value: 21,
    unit,
    read() {
      return this.value + this.unit;
    },
    bump(by) {
      this.value += by;
      return this;
    },
    [key + "amic"]: "computed",
    "with-dash": 1,
    "plain": 2,
    "-1": "minus one",
    nested: {
      inner() {
        return typeof this.read;
      },
    },
  };
  const read = sensor.bump(2).read();
  return JSON.stringify([read, sensor.dynamic, sensor["with-dash"], sensor.plain, sensor["-1"], sensor.nested.inner(), Object.keys(sensor).length]);
}
