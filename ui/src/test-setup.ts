// Vitest setup for every test file. findBy*/waitFor give up after 1 s by default; on a loaded
// 2-core CI machine a render after an awaited fake command has been seen to take longer, so
// they wait up to 5 s (a passing test still ends as soon as its condition holds).
import { configure } from "@testing-library/react";

configure({ asyncUtilTimeout: 5000 });

// jsdom lays nothing out and has no Range.getClientRects; ProseMirror (the editor) asks for it
// when it scrolls the caret into view after a command. An empty layout is what jsdom has.
if (typeof Range !== "undefined" && !("getClientRects" in Range.prototype)) {
  Object.assign(Range.prototype, {
    getClientRects: () => [] as unknown as DOMRectList,
    getBoundingClientRect: () => new DOMRect(0, 0, 0, 0),
  });
}
