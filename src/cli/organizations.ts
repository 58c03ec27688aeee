// `orgs create|list`: the tenant's organizations.
import { Command } from "commander";
import { OrganizationSchema, type Organization } from "../../sdk/src/gen/avnology/identity/v1/organization_pb.js";
import { adminClient, emit, globalOptions, type CliDeps } from "./context.js";
import { formatFields, formatTable, formatTime, messageJson } from "./output.js";

export function organizationsCommand(deps: CliDeps): Command {
  const orgs = new Command("orgs").description("the tenant's organizations (needs an admin key)");

  orgs
    .command("create")
    .description("create an organization")
    .requiredOption("--name <name>", "the organization's name")
    .option("--id <id>", "an id of your own: org_ + 1-64 of a-z 0-9 - (default: org_<uuid>)")
    .action(async (flags: { name: string; id?: string }, command: Command) => {
      const options = globalOptions(command);
      const org = await adminClient(deps, options).organizations.create({ name: flags.name, ...(flags.id !== undefined && { id: flags.id }) });
      emit(deps, options, () => messageJson(OrganizationSchema, org), () =>
        formatFields([
          ["id", org.id],
          ["name", org.name],
          ["created", formatTime(org.createdAt)],
        ]),
      );
    });

  orgs
    .command("list")
    .description("list the tenant's organizations")
    .action(async (_flags, command: Command) => {
      const options = globalOptions(command);
      const list: Organization[] = [];
      for await (const org of adminClient(deps, options).organizations.list()) list.push(org);
      emit(deps, options, () => list.map((org) => messageJson(OrganizationSchema, org)), () =>
        formatTable(["ID", "NAME", "CREATED"], list.map((org) => [org.id, org.name, formatTime(org.createdAt)])),
      );
    });

  return orgs;
}
