// `keys list|create|revoke` and `tenant create`: a tenant's API keys. A key's
// secret is answered once, by the call that creates it, so both create
// commands print it with a warning on stderr and never again.
import { Command } from "commander";
import { ApiKeySchema, type ApiKey } from "../../sdk/src/gen/avnology/identity/v1/api_key_pb.js";
import type { AvnologyClient, CreatedKey } from "../../sdk/src/index.js";
import { scopes as allScopes } from "../auth/caller.js";
import { collectScopes, parseDateTime } from "./arguments.js";
import { adminClient, bootstrapKey, emit, globalOptions, serverUrl, type CliDeps } from "./context.js";
import { formatFields, formatTable, formatTime, messageJson } from "./output.js";

const secretWarning = "warning: the secret is shown once; store it now (the service keeps only a digest of it)\n";

export function keysCommand(deps: CliDeps): Command {
  const keys = new Command("keys").description("the tenant's API keys (needs an admin key)");

  keys
    .command("list")
    .description("list the tenant's API keys, revoked ones included")
    .action(async (_options, command: Command) => {
      const options = globalOptions(command);
      const list: ApiKey[] = [];
      for await (const key of adminClient(deps, options).keys.list()) list.push(key);
      emit(deps, options, () => list.map((key) => messageJson(ApiKeySchema, key)), () => keyTable(list));
    });

  keys
    .command("create")
    .description("create an API key; prints its secret once")
    .requiredOption("--name <name>", "what the key is for")
    .requiredOption("--scopes <scope...>", "scopes, at most your own (comma- or space-separated)", collectScopes)
    .option("--organization <id>", "bind the key to one organization (org_...)")
    .option("--expires-at <date-time>", "when the key stops working (ISO 8601)", parseDateTime)
    .action(async (flags: { name: string; scopes: string[]; organization?: string; expiresAt?: Date }, command: Command) => {
      const options = globalOptions(command);
      const created = await adminClient(deps, options).keys.create({
        name: flags.name,
        scopes: flags.scopes,
        ...(flags.organization !== undefined && { organizationId: flags.organization }),
        ...(flags.expiresAt && { expiresAt: flags.expiresAt }),
      });
      printCreatedKey(deps, options.json, created);
    });

  keys
    .command("revoke")
    .description("revoke an API key (it stops working at once)")
    .argument("<id>", "the key's id (key_...)")
    .action(async (id: string, _flags, command: Command) => {
      const options = globalOptions(command);
      const revoked = await adminClient(deps, options).keys.revoke(id);
      emit(deps, options, () => messageJson(ApiKeySchema, revoked), () => `revoked ${revoked.id} (${revoked.name}) at ${formatTime(revoked.revokedAt)}\n`);
    });

  return keys;
}

export function tenantCommand(deps: CliDeps): Command {
  const tenant = new Command("tenant").description("tenants (needs the bootstrap key)");
  tenant
    .command("create")
    .description("create a tenant and its first admin key; prints the key's secret once")
    .requiredOption("--name <name>", "the tenant's name (also the first key's name)")
    .option("--scopes <scope...>", "scopes of the first key, comma- or space-separated (default: every grantable scope)", collectScopes)
    .action(async (flags: { name: string; scopes?: string[] }, command: Command) => {
      const options = globalOptions(command);
      const client: AvnologyClient = deps.createClient({
        baseUrl: serverUrl(options, deps.env),
        apiKey: bootstrapKey(options, deps.env),
        fetch: deps.fetch,
      });
      const created = await client.keys.create({ name: flags.name, scopes: flags.scopes ?? allScopes });
      printCreatedKey(deps, options.json, created);
    });
  return tenant;
}

function printCreatedKey(deps: CliDeps, json: boolean | undefined, created: CreatedKey): void {
  const { apiKey, secret } = created;
  if (json) {
    deps.stdout(JSON.stringify({ api_key: messageJson(ApiKeySchema, apiKey), secret }, null, 2) + "\n");
  } else {
    deps.stdout(
      formatFields([
        ["tenant", apiKey.tenantId],
        ["key", apiKey.id],
        ["name", apiKey.name],
        ["scopes", apiKey.scopes.join(",")],
        ["organization", apiKey.organizationId],
        ["expires", formatTime(apiKey.expiresAt)],
        ["secret", secret],
      ]),
    );
  }
  deps.stderr(secret === "" ? "warning: this answer replays an earlier creation; its secret is not shown again\n" : secretWarning);
}

function keyTable(keys: readonly ApiKey[]): string {
  return formatTable(
    ["ID", "NAME", "SCOPES", "ORGANIZATION", "EXPIRES", "LAST USED", "REVOKED"],
    keys.map((k) => [
      k.id,
      k.name,
      k.scopes.join(","),
      k.organizationId,
      formatTime(k.expiresAt),
      formatTime(k.lastUsedAt),
      formatTime(k.revokedAt),
    ]),
  );
}
