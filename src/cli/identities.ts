// `identities get|list`: read the tenant's identities (writes stay with the
// API and the SDK, where passwords never pass through a shell history).
import { Command } from "commander";
import { IdentitySchema, type Identity } from "../../sdk/src/gen/avnology/identity/v1/identity_pb.js";
import type { ListUsersFilter } from "../../sdk/src/index.js";
import { parsePageSize } from "./arguments.js";
import { adminClient, emit, globalOptions, type CliDeps } from "./context.js";
import { formatFields, formatTable, formatTime, messageJson } from "./output.js";

interface ListFlags {
  readonly email?: string;
  readonly organization?: string;
  readonly state?: string;
  readonly pageSize?: number;
}

export function identitiesCommand(deps: CliDeps): Command {
  const identities = new Command("identities").description("the tenant's identities (needs an admin key)");

  identities
    .command("get")
    .description("show one identity")
    .argument("<id>", "the identity's id (usr_...)")
    .action(async (id: string, _flags, command: Command) => {
      const options = globalOptions(command);
      const identity = await adminClient(deps, options).admin.getUser(id);
      emit(deps, options, () => messageJson(IdentitySchema, identity), () => identityFields(identity));
    });

  identities
    .command("list")
    .description("list identities, oldest first (every page)")
    .option("--email <email>", "only the identity with this email")
    .option("--organization <id>", "only identities of this organization (org_...)")
    .option("--state <state>", "only identities in this state: active or inactive")
    .option("--page-size <n>", "identities fetched per request (1-1000)", parsePageSize)
    .action(async (flags: ListFlags, command: Command) => {
      const options = globalOptions(command);
      const list: Identity[] = [];
      for await (const identity of adminClient(deps, options).admin.listUsers(listFilter(flags))) list.push(identity);
      emit(deps, options, () => list.map((identity) => messageJson(IdentitySchema, identity)), () =>
        formatTable(
          ["ID", "EMAIL", "NAME", "STATE", "ORGANIZATION", "CREATED"],
          list.map((i) => [i.id, i.email, displayName(i), i.state, i.organizationId, formatTime(i.createdAt)]),
        ),
      );
    });

  return identities;
}

/** The list request's filter from the flags given (a flag not given filters nothing). */
export function listFilter(flags: ListFlags): ListUsersFilter {
  return {
    ...(flags.email !== undefined && { email: flags.email }),
    ...(flags.organization !== undefined && { organizationId: flags.organization }),
    ...(flags.state !== undefined && { state: flags.state }),
    ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }),
  };
}

function displayName(identity: Identity): string {
  return identity.displayName || [identity.firstName, identity.lastName].filter((part) => part !== "").join(" ");
}

function identityFields(i: Identity): string {
  return formatFields([
    ["id", i.id],
    ["email", i.email],
    ["email verified", i.emailVerified ? "yes" : "no"],
    ["username", i.username],
    ["name", displayName(i)],
    ["phone", i.phone],
    ["organization", i.organizationId],
    ["state", i.state],
    ["locale", i.locale],
    ["timezone", i.timezone],
    ["external id", i.externalId],
    ["created", formatTime(i.createdAt)],
    ["updated", formatTime(i.updatedAt)],
    ["etag", i.etag],
  ]);
}
