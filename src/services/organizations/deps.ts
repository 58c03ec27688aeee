// What the organization use cases need, passed in by the composition root.
import type { OrganizationStore } from "../../store/interfaces.js";

export interface OrganizationDeps {
  readonly store: OrganizationStore;
  readonly now: () => Date;
  readonly newId: () => string;
}
