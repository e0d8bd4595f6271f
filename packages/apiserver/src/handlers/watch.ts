// GET of a collection with watch=true (or under /watch/): a stream of newline-delimited JSON events,
// optionally Table rows, with heartbeats, bookmarks and timeoutSeconds
// (k8s.io/apiserver/pkg/endpoints/handlers/watch.go). A watch the server refuses before it opens is an
// error response; once open, failures are ERROR events and the stream ends.
import type { ServerResponse } from "node:http";
import { ApiError, type Status } from "@grove-ts/runtime";
import { apiVersionOf } from "../registry.js";
import { type Cause, invalid } from "../status.js";
import { buildTable } from "../tables.js";
import { type Obj, parseBool } from "../util.js";
import type { ResourceCall } from "./call.js";
import { intParam, q, rendering, selection } from "./request.js";

/** Bytes a watch response may have queued for a slow reader before it is closed. */
const maxWatchBacklog = 16 * 1024 * 1024;

/**
 * Each object's JSON, serialised once however many watchers it goes out to: the store hands every
 * watcher the same stored object, and stored objects are never changed in place (a write stores a
 * new one). Keyed weakly, so an entry lives as long as its object.
 */
const jsonOf = new WeakMap<object, string>();

function objectJson(o: unknown): string {
  if (typeof o !== "object" || o === null) return JSON.stringify(o);
  let s = jsonOf.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    jsonOf.set(o, s);
  }
  return s;
}

/** setTimeout's longest delay; a watch asked to last longer has no timer at all (kube's lasts centuries). */
const maxTimerMs = 2 ** 31 - 1;

export function watch(c: ResourceCall): void {
  const { req, url: u, def, api } = c;
  const res = c.res as ServerResponse;
  const listOpts = selection(c);
  const { table, include } = rendering(c);
  const timeoutSeconds = intParam(u, "timeoutSeconds");
  const bookmarks = parseBool(q(u, "allowWatchBookmarks"));
  const rv = q(u, "resourceVersion");
  const initial = watchListOptions(u);
  // The current state as synthetic ADDED events: asked for (sendInitialEvents=true, client-go's
  // watch-list), or what a watch from no version or "0" starts with.
  const sendsState = initial ?? sendsStateFrom(rv);
  // The 200 goes out with the first event, or once the watch is open: a watch the server refuses
  // (a bad selector or resourceVersion) is an error response, as kube-apiserver's, not an ERROR
  // event in a 200 stream. Only "too old" (410) comes as an event, there as here.
  let headSent = false;
  const head = () => {
    if (headSent) return;
    headSent = true;
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
    });
    res.flushHeaders();
  };
  let open = true;
  let sentColumns = false;
  const timers: NodeJS.Timeout[] = [];
  const write = (type: string, object: unknown) => {
    if (!open) return;
    head();
    // What JSON.stringify({ type, object }) writes, with the object's JSON shared across watchers.
    res.write(`{"type":${JSON.stringify(type)},"object":${objectJson(object)}}\n`);
    // A watcher that stopped reading is cut off (it will relist), as kube-apiserver drops
    // watchers that fall behind, instead of buffering without bound.
    if (res.writableLength > maxWatchBacklog) finish();
  };
  const finish = () => {
    if (!open) return;
    open = false;
    stop();
    for (const t of timers) clearTimeout(t);
    head();
    res.end();
  };
  let stop: () => void = () => {};
  const sink = {
    event: (type: string, obj: Obj) => {
      if (table) {
        const rv = String((obj.metadata as Obj).resourceVersion);
        write(type, buildTable(def, [obj], rv, include, {}, !sentColumns));
        sentColumns = true;
      } else write(type, obj);
    },
    end: (s?: Status) => {
      if (s) write("ERROR", s);
      finish();
    },
  };
  const watchOpts: {
    namespace?: string;
    labelSelector?: string;
    fieldSelector?: string;
    resourceVersion?: string;
  } = {};
  if (listOpts.namespace) watchOpts.namespace = listOpts.namespace;
  if (listOpts.labelSelector) watchOpts.labelSelector = listOpts.labelSelector;
  if (listOpts.fieldSelector) watchOpts.fieldSelector = listOpts.fieldSelector;
  // sendInitialEvents=true: the state, the version being only its lower bound (NotOlderThan),
  // which ours, always current, meets. sendInitialEvents=false: no state, from the version given
  // or, without one, from now on.
  if (initial === undefined) {
    if (rv !== undefined) watchOpts.resourceVersion = rv;
  } else if (!initial) watchOpts.resourceVersion = sendsStateFrom(rv) ? "now" : (rv as string);
  try {
    stop = api.watch(def, watchOpts, sink);
  } catch (err) {
    if (!headSent) {
      open = false;
      throw err;
    }
    if (err instanceof ApiError) write("ERROR", err.status);
    finish();
    return;
  }
  if (!open) return;
  head();
  // kube-apiserver ends the initial state with a bookmark so marked when bookmarks were asked for;
  // client-go's reflector (watch-list, on by default since 1.35) waits for it to finish syncing.
  if (bookmarks && sendsState)
    write("BOOKMARK", {
      kind: def.kind,
      apiVersion: apiVersionOf(def),
      metadata: {
        resourceVersion: api.resourceVersion,
        annotations: { "k8s.io/initial-events-end": "true" },
      },
    });
  timers.push(setInterval(() => open && res.write("\n"), c.heartbeatMs));
  if (bookmarks)
    timers.push(
      setInterval(
        () =>
          write("BOOKMARK", {
            kind: def.kind,
            apiVersion: apiVersionOf(def),
            metadata: { resourceVersion: api.resourceVersion },
          }),
        c.bookmarkMs,
      ),
    );
  if (timeoutSeconds !== undefined && timeoutSeconds > 0 && timeoutSeconds * 1000 <= maxTimerMs)
    timers.push(setTimeout(finish, timeoutSeconds * 1000));
  req.on("close", finish);
  res.on("close", finish);
}

/** Whether a watch from this version (sendInitialEvents not given) starts with the current state. */
const sendsStateFrom = (rv: string | undefined): boolean => rv === undefined || rv === "" || rv === "0";

/**
 * sendInitialEvents of a watch (undefined when not given), after apimachinery's validation of its
 * ListOptions: sendInitialEvents needs resourceVersionMatch=NotOlderThan, and that match is only
 * for watches with sendInitialEvents.
 */
function watchListOptions(u: URL): boolean | undefined {
  const sendText = q(u, "sendInitialEvents");
  const send = sendText === undefined ? undefined : parseBool(sendText);
  const match = q(u, "resourceVersionMatch");
  const causes: Cause[] = [];
  const forbidden = (message: string) =>
    causes.push({ field: "resourceVersionMatch", type: "FieldValueForbidden", message });
  if (send !== undefined && match !== "NotOlderThan")
    forbidden("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
  if (match) {
    if (send === undefined)
      forbidden("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
    if (match !== "NotOlderThan")
      causes.push({
        field: "resourceVersionMatch",
        type: "FieldValueNotSupported",
        value: match,
        message: 'supported values: "NotOlderThan"',
      });
    if (q(u, "continue")) forbidden("resourceVersionMatch is forbidden when continue is provided");
  }
  if (causes.length) {
    const err = invalid("ListOptions", "meta.k8s.io", "", causes);
    if (err.status.details) delete err.status.details.name;
    throw err;
  }
  return send;
}
