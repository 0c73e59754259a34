// Object method shorthand (keeps `this`), computed, quoted and numeric keys, shorthand values.
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
    3: "three",
    nested: {
      inner() {
        return typeof this.read;
      },
    },
  };
  const read = sensor.bump(2).read();
  return JSON.stringify([read, sensor.dynamic, sensor["with-dash"], sensor.plain, sensor[3], sensor.nested.inner(), Object.keys(sensor).length]);
}
