import { describe, expect, it } from "vitest";
import { hasFormatting, htmlToPlain, plainToHtml, signatureBlock, signatureIn, withSignature } from "./plain";

describe("withSignature", () => {
  it("puts the signature below an empty line to write on", () => {
    expect(withSignature("", "<p>Alice</p>")).toBe('<p></p><p></p><div class="kontor-signature"><p>Alice</p></div>');
  });
  it("puts it below a given text (a mailto: body)", () => {
    expect(withSignature("<p>Zeile eins</p>", "<p>Alice</p>")).toBe('<p>Zeile eins</p><p></p><div class="kontor-signature"><p>Alice</p></div>');
  });
  it("leaves the text alone without a signature", () => {
    expect(withSignature("", null)).toBe("<p></p>");
    expect(withSignature("<p>x</p>", null)).toBe("<p>x</p>");
  });
  it("keeps the signature above a reply's quote: the quote follows the editor's text", () => {
    const body = withSignature("", "<p>Gruß, Alice</p>");
    const sent = `<div class="kontor-body">${body}</div><br><div class="kontor-quote">-----Ursprüngliche Nachricht-----</div>`;
    expect(sent.indexOf("Gruß, Alice")).toBeLessThan(sent.indexOf("Ursprüngliche Nachricht"));
    expect(signatureBlock("x")).toBe('<div class="kontor-signature">x</div>');
  });
});

describe("signatureIn", () => {
  const list = [
    { id: "a", html: "<p><strong>Alice</strong></p><p>Vertrieb</p>" },
    { id: "b", html: "<p>Gruß</p>" },
  ];
  it("finds the signature a draft holds by its text", () => {
    expect(signatureIn('<p>Hallo</p><div class="kontor-signature"><p><b>Alice</b></p><p>Vertrieb</p></div>', list)).toBe("a");
    expect(signatureIn('<p>Hallo</p><div class="kontor-signature"><p>Gruß</p></div>', list)).toBe("b");
  });
  it("finds none without a block or when the text was changed", () => {
    expect(signatureIn("<p>Gruß</p>", list)).toBeNull();
    expect(signatureIn('<div class="kontor-signature"><p>Gruß und Kuss</p></div>', list)).toBeNull();
  });
});

describe("htmlToPlain", () => {
  it("writes a line per paragraph and keeps empty lines", () => {
    expect(htmlToPlain("<p>Hallo Bob,</p><p></p><p>anbei   das   Angebot.</p>")).toBe("Hallo Bob,\n\nanbei das Angebot.");
  });
  it("turns line breaks, lists and links into text", () => {
    expect(htmlToPlain('<p>eins<br>zwei</p><ul><li><p>a</p></li><li><p>b</p></li></ul><ol><li><p>x</p></li><li><p>y</p></li></ol><p><a href="https://kontor.test">Web</a> <a href="https://a.de">https://a.de</a></p>')).toBe(
      "eins\nzwei\n- a\n- b\n1. x\n2. y\nWeb <https://kontor.test> https://a.de",
    );
  });
  it("quotes a blockquote line by line and keeps the signature's text", () => {
    const html = '<p>Passt.</p><div class="kontor-signature"><p>-- </p><p>Alice</p></div><div class="kontor-quote"><p>Am 04.12.2026 um 14:05 schrieb Bob:</p><blockquote type="cite"><p>Hallo</p><p>Bob</p></blockquote></div>';
    expect(htmlToPlain(html)).toBe("Passt.\n-- \nAlice\nAm 04.12.2026 um 14:05 schrieb Bob:\n> Hallo\n> Bob");
  });
  it("keeps the lines of a quoted plain-text original", () => {
    expect(htmlToPlain('<blockquote><div style="white-space:pre-wrap">Zeile 1\nZeile 2\n\nEnde</div></blockquote>')).toBe("> Zeile 1\n> Zeile 2\n>\n> Ende");
  });
  it("keeps the empty lines above a signature to write on", () => {
    expect(htmlToPlain('<p></p><p></p><div class="kontor-signature"><p><strong>Alice</strong></p></div><p></p>')).toBe("\n\nAlice");
  });
  it("drops markup, styles and scripts", () => {
    expect(htmlToPlain("<style>p{color:red}</style><p><b>fett</b> &amp; <i>kursiv</i></p><script>x()</script>")).toBe("fett & kursiv");
  });
});

describe("plainToHtml and hasFormatting", () => {
  it("makes a paragraph of each line, escaped", () => {
    expect(plainToHtml("a < b\n\nc")).toBe("<p>a &lt; b</p><p></p><p>c</p>");
    expect(htmlToPlain(plainToHtml("eins\n\nzwei"))).toBe("eins\n\nzwei");
  });
  it("asks only when formatting would be lost", () => {
    expect(hasFormatting("<p>Hallo</p><p></p><p>Bob<br>x</p>")).toBe(false);
    expect(hasFormatting('<p>x</p><div class="kontor-signature"><p>Alice</p></div>')).toBe(false);
    expect(hasFormatting("<p><strong>x</strong></p>")).toBe(true);
    expect(hasFormatting('<p><span style="font-size: 18pt">x</span></p>')).toBe(true);
    expect(hasFormatting("<ul><li><p>x</p></li></ul>")).toBe(true);
    expect(hasFormatting('<p><a href="https://x.de">x</a></p>')).toBe(true);
  });
});
