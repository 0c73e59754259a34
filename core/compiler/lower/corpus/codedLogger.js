// The seed's coded logger, exactly as users write it: only the message's index travels.
const definedMessages = ['Sensor started', 'Reading out of range', 'Low battery'];
function makeLogger(send) { return (msg) => { const code = definedMessages.findIndex(m => m === msg); send(code); }; }
function decode(code) { return definedMessages[code] ?? 'Unknown message'; }

export function run() {
  const sent = [];
  const log = makeLogger((code) => sent.push(code));
  log('Low battery');
  log('Sensor started');
  log('Not defined');
  return JSON.stringify([sent, sent.map(decode)]);
}
