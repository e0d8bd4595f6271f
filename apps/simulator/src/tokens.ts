// What kube-controller-manager's token controller does for grove-sim: every Secret of type
// kubernetes.io/service-account-token gets `token`, `ca.crt` and `namespace` data, so Grove's
// controllers' SA-token step (grove-behaviour.md §20) sees a populated Secret.
import { randomBytes } from "node:crypto";
import {
  type Client,
  type KubeObject,
  type Logger,
  noopLogger,
  SecretType,
  SharedInformer,
} from "@grove-ts/runtime";

interface SecretLike extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

export interface TokenFiller {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createTokenFiller(client: Client, logger: Logger = noopLogger): TokenFiller {
  const log = logger.with({ component: "token-controller-sim" });
  const secrets = new SharedInformer<SecretLike>(client, SecretType, { logger: log });
  const fill = (s: SecretLike): void => {
    if (s.type !== "kubernetes.io/service-account-token" || s.data?.token || s.metadata.deletionTimestamp)
      return;
    void client
      .patch(SecretType, s.metadata.name ?? "", s.metadata.namespace, {
        type: "merge",
        body: {
          data: {
            token: b64(`grove-sim.${randomBytes(24).toString("hex")}`),
            "ca.crt": b64("grove-sim has no certificate authority\n"),
            namespace: b64(s.metadata.namespace ?? "default"),
          },
        },
      })
      .catch((err) => log.warn("token not filled", { secret: s.metadata.name, error: err }));
  };
  return {
    async start() {
      secrets.addEventHandler({ onAdd: fill, onUpdate: (_o, s) => fill(s) });
      secrets.start();
      await secrets.waitForSync();
    },
    stop: () => secrets.stop(),
  };
}
