// Parsers of option values. A bad value is a usage error (commander prints
// it with the option's name and the CLI exits 2) before any call is made.
import { InvalidArgumentError } from "commander";

/** --scopes a,b --scopes c (or --scopes a b): every scope once, in the order given. */
export function collectScopes(value: string, previous: readonly string[] | undefined): string[] {
  const added = value.split(/[\s,]+/).filter((scope) => scope !== "");
  if (added.length === 0) throw new InvalidArgumentError("expected one or more scopes, e.g. admin:users:read");
  return [...new Set([...(previous ?? []), ...added])];
}

/** An ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z (a date alone means midnight UTC). */
export function parseDateTime(value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("expected an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z");
  return date;
}

/** A whole number from 1 to 1000 (the service caps pages itself). */
export function parsePageSize(value: string): number {
  const size = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(size >= 1 && size <= 1000)) throw new InvalidArgumentError("expected a whole number from 1 to 1000");
  return size;
}
