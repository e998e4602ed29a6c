// The stylesheet uses no CSS nesting, so a missing "}" would silently nest every later rule
// (and un-style it); the braces must balance and no rule may open inside another, except in
// at-rules (@keyframes, @media).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// Read from the file: vitest hands CSS imports (also ?raw) over empty.
const source = readFileSync("src/styles.css", "utf8");

describe("styles.css", () => {
  it("has no rule inside another rule", () => {
    const css = source.replace(/\/\*[\s\S]*?\*\//g, "");
    expect(source).toContain(".mail-toolbar {");
    const stack: string[] = [];
    const nested: string[] = [];
    let selector = "";
    for (const ch of css) {
      if (ch === "{") {
        const sel = selector.trim().split(/[;\n]/).pop()?.trim() ?? "";
        if (stack.length > 0 && !stack.some((s) => s.startsWith("@"))) nested.push(`${stack.join(" > ")} > ${sel}`);
        stack.push(sel);
        selector = "";
      } else if (ch === "}") {
        stack.pop();
        selector = "";
      } else selector += ch;
    }
    expect(nested).toEqual([]);
    expect(stack).toEqual([]);
  });
});
