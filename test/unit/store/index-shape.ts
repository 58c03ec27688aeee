// A small model of how MongoDB serves a query from a compound index, for
// unit tests of query shapes (no database): equalities on a prefix of the
// index's fields, then at most one range on the next field, then the sort on
// the following fields in index order. A query shaped this way is an index
// scan with tight bounds and no in-memory SORT stage. Residual equalities are
// allowed only on a unique index (they then filter at most one document).
import type { IndexDescription } from "mongodb";

export interface IndexShapeProblem {
  readonly problem: string;
}

const rangeOperators = ["$gt", "$gte", "$lt", "$lte"];

function isEquality(value: unknown): boolean {
  if (value === null || typeof value !== "object" || value instanceof Date) return true;
  return Object.keys(value).length === 1 && "$eq" in value;
}

function isRange(value: unknown): boolean {
  return value !== null && typeof value === "object" && !(value instanceof Date) && Object.keys(value).every((k) => rangeOperators.includes(k));
}

/** Problems that keep `index` from serving `filter` + `sort` as an index scan without a SORT stage; [] when none. */
export function indexShapeProblems(
  filter: Record<string, unknown>,
  sort: Readonly<Record<string, number>>,
  index: IndexDescription,
): string[] {
  const problems: string[] = [];
  const fields = Object.keys(index.key as Record<string, unknown>);
  const topLevel = Object.keys(filter).filter((k) => !k.startsWith("$"));
  let prefix = 0;
  while (prefix < fields.length && fields[prefix]! in filter && isEquality(filter[fields[prefix]!])) prefix++;
  if (prefix === 0 && !isRange(filter[fields[0]!])) problems.push(`no equality or range on the index's first field ${fields[0]}`);

  // Every field of a unique index pinned by equality: at most one document,
  // whatever else the filter says is checked on it.
  const pinned = index.unique === true && prefix === fields.length;
  for (const field of topLevel) {
    const value = filter[field];
    if (fields.slice(0, prefix).includes(field) || pinned) continue;
    if (isRange(value)) {
      if (field !== fields[prefix]) problems.push(`range on ${field} is not on the field after the equality prefix (${fields[prefix]})`);
    } else if (field === "_id" && !isEquality(value)) {
      // e.g. {_id: {$ne: x}}: a residual filter on the fetched documents
      if (!index.unique) problems.push(`residual ${field} on a non-unique index`);
    } else if (!index.unique) {
      problems.push(`equality on ${field} is not in the index prefix`);
    }
  }

  const sortFields = Object.keys(sort);
  if (sortFields.length > 0) {
    const rest = fields.slice(prefix);
    const expected = rest.slice(0, sortFields.length);
    if (sortFields.join(",") !== expected.join(",")) problems.push(`sort ${sortFields.join(",")} does not follow the index after its equality prefix (${rest.join(",")})`);
    const directions = sortFields.map((f) => sort[f]! * ((index.key as Record<string, number>)[f] ?? 1));
    if (new Set(directions).size > 1) problems.push("sort directions mix forward and backward on the index");
  }
  return problems;
}
