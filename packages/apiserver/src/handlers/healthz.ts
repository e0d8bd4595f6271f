// /healthz, /livez and /readyz: "ok" while the process serves requests. Answered before
// authentication, as kube-apiserver's RBAC lets anyone read them (system:public-info-viewer).
import { type Res, send } from "./call.js";

export function healthz(res: Res): void {
  send(res, 200, "ok", {}, "text/plain; charset=utf-8");
}
