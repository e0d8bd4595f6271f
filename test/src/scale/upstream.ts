// Upstream Grove's recorded scale run (grove-behaviour.md §19.3: branch scale-test-history, run
// 2026-08-16, 100 KWOK nodes, concurrency 20/20/20, QPS 100 / burst 150), keyed by
// "phase/milestone" as our phases name them, seconds from phase start; ranges where only ranges
// were recorded. "total" is the whole test.
export const UPSTREAM: Record<string, Record<string, number | string>> = {
  ScaleTest_1000: {
    "deploy/pods-created": 36.1,
    "deploy/pods-ready": 61.8,
    "deploy/pcs-available": 61.8,
    "steady-state-reconcile/pcs-still-available": 0.2,
    "delete/pcs-deleted": 0.1,
    total: 92.2,
  },
  ScaleUp_FromZero: { "scale-up/all-pods-created": 35.5, "scale-up/all-pods-ready": 72.0, total: 76.6 },
  ScaleUp: {
    "deploy/initial-pods-created": 18.1,
    "deploy/initial-pods-ready": 30.8,
    "scale-up/all-pods-created": 16.8,
    "scale-up/all-pods-ready": 41.3,
    total: 80.7,
  },
  ScaleDown_ToZero: {
    "deploy/initial-pods-created": 36.0,
    "deploy/initial-pods-ready": 55.3,
    "scale-down/pods-at-target": 56.4,
    total: 111.8,
  },
  ScaleDown: {
    "deploy/initial-pods-created": 36.1,
    "deploy/initial-pods-ready": 56.4,
    "scale-down/pods-at-target": 31.2,
    total: 88.0,
  },
  ScaleUp_Tiny: { "scale-up/all-pods-ready": "~5.3–5.6", total: "~6" },
  ScaleDown_Tiny: { "deploy/initial-pods-ready": "~5.3–5.6", "scale-down/pods-at-target": 0.3, total: "~6" },
  SoakChurn: {
    "scale-up": "1.7–3.7",
    "scale-down": "190.4, 127.8, then 1.8–1.9",
    hold: 30.2,
    total: 966,
  },
};
