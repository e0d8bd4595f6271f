// Request authentication as kube-apiserver's bearer-token authenticator does it
// (k8s.io/apiserver/pkg/authentication/request/bearertoken): the Authorization header, trimmed, is
// `<scheme> <token>[ ...]` with the scheme `bearer` in any case; a header of another scheme, or with
// an empty token, carries no credentials. A request with no credentials is anonymous; one with a
// token that is not ours is refused even where anonymous requests are served.
import { timingSafeEqual } from "node:crypto";

/** What an Authorization header amounts to against the server's one token. */
export type Authentication = "authenticated" | "anonymous" | "invalid";

export function authenticate(header: string | string[] | undefined, token: string): Authentication {
  const auth = (Array.isArray(header) ? (header[0] ?? "") : (header ?? "")).trim();
  if (auth === "") return "anonymous";
  // Go's strings.SplitN(auth, " ", 3): "Bearer  x" (two spaces) has an empty token.
  const parts = auth.split(" ");
  if (parts.length < 2 || parts[0]?.toLowerCase() !== "bearer") return "anonymous";
  const given = parts[1] ?? "";
  if (given === "") return "anonymous";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b) ? "authenticated" : "invalid";
}
