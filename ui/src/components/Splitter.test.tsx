import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createRef } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Splitter } from "./Splitter";
import { splitterValue } from "./splitter-value";

afterEach(cleanup);

describe("splitterValue", () => {
  it("gives the share of the container in percent, within the limits", () => {
    const box = { start: 100, size: 800 };
    expect(splitterValue(500, box, "percent", 20, 80)).toBe(50);
    expect(splitterValue(110, box, "percent", 20, 80)).toBe(20);
    expect(splitterValue(2000, box, "percent", 20, 80)).toBe(80);
  });

  it("gives pixels from the container's edge", () => {
    expect(splitterValue(300, { start: 40, size: 1000 }, "px", 160, 480)).toBe(260);
    expect(splitterValue(60, { start: 40, size: 1000 }, "px", 160, 480)).toBe(160);
  });

  it("keeps a container of no size at the minimum", () => {
    expect(splitterValue(10, { start: 0, size: 0 }, "percent", 20, 80)).toBe(20);
  });
});

describe("Splitter", () => {
  function renderSplitter(onChange = vi.fn(), onReset = vi.fn()) {
    render(
      <Splitter
        orientation="vertical"
        containerRef={createRef<HTMLElement>()}
        unit="percent"
        value={50}
        min={20}
        max={80}
        step={2}
        label="Size of the message list"
        onChange={onChange}
        onReset={onReset}
      />,
    );
    return { onChange, onReset, bar: screen.getByRole("separator", { name: "Size of the message list" }) };
  }

  it("is a labelled separator with its value", () => {
    const { bar } = renderSplitter();
    expect(bar.getAttribute("aria-orientation")).toBe("vertical");
    expect(bar.getAttribute("aria-valuenow")).toBe("50");
    expect(bar.tabIndex).toBe(0);
  });

  it("moves by arrow keys and jumps by Home and End", () => {
    const { bar, onChange } = renderSplitter();
    fireEvent.keyDown(bar, { key: "ArrowLeft" });
    fireEvent.keyDown(bar, { key: "ArrowRight" });
    fireEvent.keyDown(bar, { key: "Home" });
    fireEvent.keyDown(bar, { key: "End" });
    fireEvent.keyDown(bar, { key: "ArrowUp" });
    expect(onChange.mock.calls).toEqual([
      [48, true],
      [52, true],
      [20, true],
      [80, true],
    ]);
  });

  it("goes back to where it started on a double click", () => {
    const { bar, onReset } = renderSplitter();
    fireEvent.doubleClick(bar);
    expect(onReset).toHaveBeenCalledOnce();
  });
});
