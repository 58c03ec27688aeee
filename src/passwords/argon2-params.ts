// The cost parameters of an Argon2 PHC string, read by the hasher (does a
// stored hash need a rehash?) and by the import check (are an imported hash's
// costs within the caps?). Its own module so neither imports the other for it.

/**
 * Reads only the id, version and m/t/p of a PHC string
 * ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"). A full parse (salt, hash)
 * is argon2.verify's job; needsRehash only needs the cost parameters, and an
 * unparseable or non-Argon2 string (e.g. an imported bcrypt hash) is simply
 * "needs rehash".
 */
export function parseArgon2Params(
  phc: string,
): { id: string; version: number; m: number; t: number; p: number } | undefined {
  const match = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([^$]+)\$/.exec(phc);
  if (match === null) return undefined;
  const params = new Map<string, number>();
  for (const pair of match[3]!.split(",")) {
    const [key, value] = pair.split("=");
    if (key === undefined || value === undefined || !/^\d+$/.test(value)) return undefined;
    params.set(key, Number(value));
  }
  const m = params.get("m");
  const t = params.get("t");
  const p = params.get("p");
  if (m === undefined || t === undefined || p === undefined) return undefined;
  return { id: match[1]!, version: Number(match[2]), m, t, p };
}
