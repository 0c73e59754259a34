import { Token } from "./hostIds";
import type { VmPrimitive } from "../engine/types";
import type { WireValue } from "../contracts/wireValue";
import { type UnholdableName, unholdableMember, unholdableWithin } from "./unholdableNames";

/** Microvium's host API passes primitives only, so objects and arrays cross the VM boundary as
 * a stream of tokens (core/runtime/vm/runtime.mvm.js emits and reads them). This file is the
 * host side: TokenWriter rebuilds values the VM sends, TokenReader feeds values to the VM. */

interface Frame {
  container: WireValue[] | { [key: string]: WireValue };
  key?: string;
}

/** Collects tokens from the VM (HostId.TokenOut) into one JSON value. */
export class TokenWriter {
  private stack: Frame[] = [];
  private done: WireValue | undefined;
  private hasValue = false;

  token(kind: number, payload: VmPrimitive): void {
    switch (kind) {
      case Token.Primitive:
        this.add(toWirePrimitive(payload));
        return;
      case Token.BeginArray:
        this.stack.push({ container: [] });
        return;
      case Token.BeginObject:
        this.stack.push({ container: {} });
        return;
      case Token.Key:
        this.top("key").key = String(payload);
        return;
      case Token.End: {
        const frame = this.stack.pop();
        if (!frame) throw new Error("value token stream: End without Begin");
        this.add(frame.container);
        return;
      }
      default:
        throw new Error(`value token stream: unknown token kind ${kind}`);
    }
  }

  /** Forgets a half-streamed value (the VM raised an error in the middle of sending it). */
  reset(): void {
    this.stack = [];
    this.hasValue = false;
    this.done = undefined;
  }

  /** The completed value; throws if the stream is incomplete. Resets the writer. */
  take(): WireValue {
    if (!this.hasValue || this.stack.length) {
      this.stack = [];
      throw new Error("value token stream is incomplete");
    }
    const value = this.done as WireValue;
    this.hasValue = false;
    this.done = undefined;
    return value;
  }

  private top(what: string): Frame {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) throw new Error(`value token stream: ${what} outside a container`);
    return frame;
  }

  private add(value: WireValue | undefined): void {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) {
      this.done = value === undefined ? null : value;
      this.hasValue = true;
      return;
    }
    if (Array.isArray(frame.container)) {
      // JSON semantics: undefined in an array becomes null, in an object the key is dropped.
      frame.container.push(value === undefined ? null : value);
    } else {
      if (frame.key === undefined) throw new Error("value token stream: object value without a key");
      if (value !== undefined) frame.container[frame.key] = value;
      frame.key = undefined;
    }
  }
}

function toWirePrimitive(v: VmPrimitive): WireValue | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number" && !Number.isFinite(v)) return null; // as JSON.stringify does
  return v;
}

/** Feeds one JSON value to the VM token by token (HostId.TokenInKind / TokenInPayload). */
export class TokenReader {
  private kinds: number[] = [];
  private payloads: VmPrimitive[] = [];
  private position = 0;

  /** Queues `value`'s tokens for the VM, checking each property name as it goes (as the C host's
   * flatten, firmware/native/core/valueTokens.c): one walk of the value, not a check and then the
   * tokens. Returns the first name the engine can't hold (unholdableNames.ts) and then queues
   * nothing: the tokens made up to it are dropped, so the VM never reads any of such a value. */
  load(value: WireValue): UnholdableName | undefined {
    const kinds: number[] = [];
    const payloads: VmPrimitive[] = [];
    const refused = flatten(value, kinds, payloads);
    if (refused) return refused;
    this.kinds = kinds;
    this.payloads = payloads;
    this.position = 0;
    return undefined;
  }

  /** Advances to the next token and returns its kind. */
  nextKind(): number {
    if (this.position >= this.kinds.length) throw new Error("value token stream: VM read past the end");
    this.position++;
    return this.kinds[this.position - 1];
  }

  /** Payload of the token nextKind() returned last (primitive value or object key). */
  payload(): VmPrimitive {
    return this.payloads[this.position - 1];
  }
}

/** Appends the tokens of `value` to kinds/payloads, depth first in JavaScript's member order;
 * stops at the first name the engine can't hold and returns it with its path. */
function flatten(value: WireValue, kinds: number[], payloads: VmPrimitive[]): UnholdableName | undefined {
  if (Array.isArray(value)) {
    kinds.push(Token.BeginArray);
    payloads.push(undefined);
    for (let i = 0; i < value.length; i++) {
      const inner = flatten(value[i], kinds, payloads);
      if (inner) return unholdableWithin(i, inner);
    }
  } else if (typeof value === "object" && value !== null) {
    kinds.push(Token.BeginObject);
    payloads.push(undefined);
    for (const [key, item] of Object.entries(value)) {
      const refused = unholdableMember(key);
      if (refused) return refused;
      kinds.push(Token.Key);
      payloads.push(key);
      const inner = flatten(item, kinds, payloads);
      if (inner) return unholdableWithin(key, inner);
    }
  } else {
    kinds.push(Token.Primitive);
    payloads.push(value);
    return undefined;
  }
  kinds.push(Token.End);
  payloads.push(undefined);
  return undefined;
}
