// The engine's sync status as the shell reports it: asked once, then followed by its events.
import { useEffect, useState } from "react";
import type { SyncStatus } from "./bindings";
import type { Api } from "./ipc";

export type SyncStatusApi = Pick<Api, "syncStatus" | "onSyncStatus">;

/** The latest sync status (`null` until the shell has answered); an event newer than the
 * first answer wins over it. */
export function useSyncStatus(api: SyncStatusApi): SyncStatus | null {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  useEffect(() => {
    let live = true;
    let heard = false;
    const stop = api.onSyncStatus((s) => {
      heard = true;
      if (live) setStatus(s);
    });
    api.syncStatus().then(
      (s) => {
        // An event newer than this answer wins.
        if (live && !heard) setStatus(s);
      },
      () => undefined,
    );
    return () => {
      live = false;
      stop();
    };
  }, [api]);
  return status;
}
