// The coded logger as a TypeScript feature file (types stripped by esbuild before lowering).
const definedMessages = ["Sensor started", "Reading out of range", "Low battery"] as const;
type Message = (typeof definedMessages)[number];

interface CodedLogger {
  log(message: Message | string): void;
  decode(code: number): string;
}

function makeLogger(send: (code: number) => void): CodedLogger {
  return {
    log: (message) => {
      const code = definedMessages.findIndex((m) => m === message);
      send(code);
    },
    decode(code) {
      return definedMessages[code] ?? "Unknown message";
    },
  };
}

export function run(): string {
  const sent: number[] = [];
  const logger = makeLogger((code) => sent.push(code));
  logger.log("Reading out of range");
  logger.log("nope");
  return JSON.stringify([sent, sent.map((c) => logger.decode(c))]);
}
