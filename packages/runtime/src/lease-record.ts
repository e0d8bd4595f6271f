// The coordination.k8s.io/v1 Lease as leader election reads and writes it: client-go's
// LeaderElectionRecord and the MicroTime format of its times (leader-election.ts).
import type { KubeObject } from "./client.js";

/** coordination.k8s.io/v1 Lease spec as JSON (times are MicroTime: RFC 3339 with 6 fraction digits). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  preferredHolder?: string;
  strategy?: string;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** client-go's LeaderElectionRecord: a Lease spec read with defaults for what is missing or malformed. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/** metav1.MicroTime as JSON: RFC 3339 with exactly 6 fraction digits, UTC. */
export function formatMicroTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-12-07T00:40:00.123Z
  const micros = String(Math.floor((ms % 1) * 1000)).padStart(3, "0");
  return `${iso.slice(0, -1)}${micros}Z`;
}

/**
 * Reads a Lease's spec as client-go's LeaseSpecToLeaderElectionRecord does, except that a field of
 * the wrong type reads as absent (and is reported) instead of failing the whole read: a garbage
 * Lease then looks expired and is overwritten with a valid record.
 */
export function leaseRecord(lease: Lease): { record: LeaderElectionRecord; malformed: string[] } {
  const malformed: string[] = [];
  const raw: unknown = lease.spec;
  const spec =
    typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (raw !== undefined && spec !== raw) malformed.push("spec");
  const str = (k: string): string | undefined => {
    const v = spec[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    malformed.push(`spec.${k}`);
    return undefined;
  };
  const int = (k: string): number | undefined => {
    const v = spec[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
    malformed.push(`spec.${k}`);
    return undefined;
  };
  const record: LeaderElectionRecord = {
    holderIdentity: str("holderIdentity") ?? "",
    leaseDurationSeconds: int("leaseDurationSeconds") ?? 0,
    leaseTransitions: int("leaseTransitions") ?? 0,
  };
  const acquire = str("acquireTime");
  const renew = str("renewTime");
  if (acquire !== undefined) record.acquireTime = acquire;
  if (renew !== undefined) record.renewTime = renew;
  return { record, malformed };
}
