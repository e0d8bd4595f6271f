// grove-sim's live placement dashboard (@grove-ts/dashboard) over the simulator's client: what
// `grove-sim up` and `npm start` serve (--dashboard-addr), and what the browser tests mount.
import { type Dashboard, parseAddr, startDashboard, tokenReviewAuthenticator } from "@grove-ts/dashboard";
import type { Logger } from "@grove-ts/runtime";
import type { Simulator } from "./simulator.js";

/** Default: loopback, a free port (several simulators on one machine never collide). */
export const DEFAULT_DASHBOARD_ADDR = "127.0.0.1:0";

export type DashboardAddr = { host: string; port: number } | "off";

/** `--dashboard-addr HOST:PORT|off` (and `--no-dashboard`, the same as off). */
export function dashboardAddr(value: string | undefined, off = false): DashboardAddr {
  if (off || value === "off") return "off";
  return parseAddr(value ?? DEFAULT_DASHBOARD_ADDR);
}

/**
 * Serves the dashboard for `sim`. Off loopback it takes our API server's bearer token, or on the
 * real control plane (whose kubeconfig holds a client certificate) any token the API server
 * accepts (a TokenReview).
 */
export function startSimDashboard(
  sim: Pick<Simulator, "client" | "token"> & Partial<Pick<Simulator, "autoMNNVL">>,
  addr: { host: string; port: number },
  logger?: Logger,
): Promise<Dashboard> {
  return startDashboard({
    client: sim.client,
    host: addr.host,
    port: addr.port,
    ...(sim.token ? { token: sim.token } : { authenticate: tokenReviewAuthenticator(sim.client) }),
    ...(logger ? { logger } : {}),
    // The what-if validates as grove-sim's admission does.
    validation: { autoMNNVLEnabled: sim.autoMNNVL === true },
  });
}

export type { Dashboard };
