// @grove-ts/dashboard: the live placement dashboard (README). startDashboard serves it for a Client;
// buildModel is what it shows, derived from the API alone.

export { TokenReviewType, tokenReviewAuthenticator } from "./auth.js";
export {
  type ApiState,
  buildModel,
  type DashboardModel,
  type DomainView,
  type GangView,
  GPU_RESOURCE,
  gangHue,
  type HostView,
  type PodView,
  podGpus,
  reasonLines,
} from "./model.js";
export {
  type Dashboard,
  DashboardError,
  type DashboardOptions,
  isLoopback,
  parseAddr,
  startDashboard,
} from "./server.js";
export {
  admit,
  parseBody,
  WHAT_IF_MAX_BYTES,
  type WhatIf,
  type WhatIfCluster,
  type WhatIfGang,
  WhatIfInputError,
  whatIfProblem,
} from "./what-if.js";
