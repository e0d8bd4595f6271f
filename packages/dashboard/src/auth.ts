// Checking a bearer token the way the API server does, for a process that does not hold the token
// itself (grove-operator, grove-sim on the real control plane): a TokenReview
// (authentication.k8s.io/v1) through the process's own client, which needs RBAC `create` on
// tokenreviews (system:auth-delegator grants it; grove-sim's admin kubeconfig has everything).
import type { Client, KubeObject, ResourceType } from "@grove-ts/runtime";

export const TokenReviewType: ResourceType = {
  apiVersion: "authentication.k8s.io/v1",
  kind: "TokenReview",
  plural: "tokenreviews",
  namespaced: false,
};

interface TokenReview extends KubeObject {
  spec: { token: string };
  status?: { authenticated?: boolean };
}

/** An `authenticate` for startDashboard: valid when the API server says the token authenticates. */
export function tokenReviewAuthenticator(client: Client): (token: string) => Promise<boolean> {
  return async (token) => {
    const review = await client.create<TokenReview>(TokenReviewType, {
      apiVersion: TokenReviewType.apiVersion,
      kind: TokenReviewType.kind,
      metadata: {},
      spec: { token },
    });
    return review.status?.authenticated === true;
  };
}
