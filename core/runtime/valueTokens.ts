import { Token } from "./hostIds";
import type { VmPrimitive } from "../engine/types";
import type { WireValue } from "../contracts/wireValue";

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

  load(value: WireValue): void {
    this.kinds = [];
    this.payloads = [];
    this.position = 0;
    this.flatten(value);
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

  private push(kind: Token, payload: VmPrimitive): void {
    this.kinds.push(kind);
    this.payloads.push(payload);
  }

  private flatten(value: WireValue): void {
    if (Array.isArray(value)) {
      this.push(Token.BeginArray, undefined);
      for (const item of value) this.flatten(item);
      this.push(Token.End, undefined);
    } else if (typeof value === "object" && value !== null) {
      this.push(Token.BeginObject, undefined);
      for (const [key, item] of Object.entries(value)) {
        this.push(Token.Key, key);
        this.flatten(item);
      }
      this.push(Token.End, undefined);
    } else {
      this.push(Token.Primitive, value);
    }
  }
}
