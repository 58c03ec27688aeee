// AIP-154 etags of identities: derived from the stored version counter, which
// every write increments. Opaque to clients; quoted as an HTTP entity tag on
// REST (`ETag: "v3"`).

export function etagOf(version: number): string {
  return `v${version}`;
}

/** The version an etag stands for, or null for one this service never issued (which can only be stale). */
export function versionOfEtag(etag: string): number | null {
  const match = /^v([1-9]\d{0,14})$/.exec(etag);
  return match ? Number(match[1]) : null;
}
