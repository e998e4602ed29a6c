import { afterEach, describe, expect, it, vi } from "vitest";
import { afterNextPaint } from "./paint";

describe("afterNextPaint", () => {
  const frames: FrameRequestCallback[] = [];
  afterEach(() => {
    frames.length = 0;
    vi.unstubAllGlobals();
  });
  function stubFrames() {
    vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => frames.push(cb));
    vi.stubGlobal("cancelAnimationFrame", (id: number) => {
      frames[id - 1] = () => undefined;
    });
  }
  const runFrame = (n: number) => {
    const cb = frames[n];
    if (!cb) throw new Error(`no frame ${n} asked for`);
    cb(0);
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("calls back after the next frame's callbacks, not within them", async () => {
    stubFrames();
    const order: string[] = [];
    afterNextPaint(() => order.push("after"));
    await settle();
    expect(order).toEqual([]);
    runFrame(0);
    order.push("frame");
    await settle();
    expect(order).toEqual(["frame", "after"]);
  });

  it("does not call back once cancelled, before or after the frame", async () => {
    stubFrames();
    const done = vi.fn();
    afterNextPaint(done)();
    runFrame(0);
    await settle();
    const cancelLater = afterNextPaint(done);
    runFrame(1);
    cancelLater();
    await settle();
    expect(done).not.toHaveBeenCalled();
  });
});
