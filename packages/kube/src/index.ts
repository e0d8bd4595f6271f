// @grove-ts/kube: the runtime Client over @kubernetes/client-node (the only runtime user of it).
import { KubeClient, type KubeClientOptions } from "./client.js";
import { type KubeConfigSource, loadKubeConfig } from "./config.js";

export {
  clientNodeTransport,
  type HttpRequest,
  type HttpResponse,
  KubeClient,
  type KubeClientOptions,
  type RequestResultMetric,
  rateLimitKey,
  type Transport,
} from "./client.js";
export { KubeConfigError, type KubeConfigSource, loadKubeConfig } from "./config.js";
export { toApiError, WatchTimeoutError } from "./errors.js";
export {
  deleteBody,
  groupVersionPath,
  listQuery,
  patchContentType,
  RequestError,
  resourcePath,
  watchParams,
  writeQuery,
} from "./paths.js";

/** A client for the cluster a kubeconfig file (or in-cluster config, or the defaults) names. */
export function createKubeClient(options: KubeConfigSource & KubeClientOptions = {}): KubeClient {
  return new KubeClient(loadKubeConfig(options), options);
}
