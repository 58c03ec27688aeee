// Keyset pages ordered by id: fetch one more than asked, and the last id of a
// full page is the token of the next. Works the same on MongoDB and FerretDB
// (no skip/offset, so a page costs the same wherever it starts).

export interface Page<T> {
  readonly items: T[];
  /** "" on the last page. */
  readonly nextPageToken: string;
}

export interface PageRequest {
  readonly pageSize: number;
  /** The id after which the page starts; "" for the first page. */
  readonly after: string;
}

export function toPage<T>(items: T[], pageSize: number, idOf: (item: T) => string): Page<T> {
  if (items.length <= pageSize) return { items, nextPageToken: "" };
  const page = items.slice(0, pageSize);
  return { items: page, nextPageToken: idOf(page[page.length - 1] as T) };
}
