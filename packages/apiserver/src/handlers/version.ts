// /version: the build this server claims to be. Answered before authentication, as
// kube-apiserver's RBAC lets anyone read it (system:public-info-viewer).
import { type Res, send } from "./call.js";

export const versionInfo = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-grove",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

export function version(res: Res): void {
  send(res, 200, versionInfo);
}
