// RBAC kinds (pkg/registry/rbac): names are path segments (ValidateRBACName), so Grove's
// `grove.io:pcs:<pcs>` Roles are valid; nothing else is special.
import { nameIsPathSegment } from "@grove-ts/api";
import { strategy } from "./strategy.js";

export const rbacStrategy = strategy({ nameFn: nameIsPathSegment });
