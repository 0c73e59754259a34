/** Values a channel carries: JSON data without cycles. */
export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };
