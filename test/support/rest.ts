// Plain fetch against the REST routes, as any HTTP client would call them.
export interface RestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  readonly text: string;
}

export async function rest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(baseUrl + path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The reference API's example CreateIdentity body (every kind of field, a policy-compliant password), with a real e-mail address. */
export function specExampleBody(email = "jane.smith@example.com") {
  return {
    identity: {
      email,
      first_name: "Jane",
      last_name: "Smith",
      phone: "+14155551234",
      organization_id: "org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
      traits: { department: "Engineering" },
    },
    initial_password: "SecureP@ssw0rd!",
  };
}
