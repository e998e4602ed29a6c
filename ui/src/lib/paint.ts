// When a change is on screen, for the performance marks the benches read
// (docs/performance.md#the-window-bench).

/** Calls `done` once the next frame has been rendered: the animation frame callback runs before
 * that frame's style, layout and paint, and a message posted from it is handled after them.
 * Called right after a commit (a layout effect), that is the frame which shows the commit's
 * changes. Returns a function that cancels the call. */
export function afterNextPaint(done: () => void): () => void {
  let cancelled = false;
  let channel: MessageChannel | null = null;
  const frame = requestAnimationFrame(() => {
    if (cancelled) return;
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel?.port1.close();
      if (!cancelled) done();
    };
    channel.port2.postMessage(null);
  });
  return () => {
    cancelled = true;
    cancelAnimationFrame(frame);
    channel?.port1.close();
  };
}
