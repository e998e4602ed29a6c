import { describe, expect, it } from "vitest";
import type { AddressSuggestion, DirectoryPerson } from "../lib/bindings";
import { entryFor, fromSearch, mergePeople } from "./people";

const local = (name: string, address: string, uses = 1): AddressSuggestion => ({ name, address, uses, directory: false });
const person = (name: string, address: string, more: Partial<DirectoryPerson> = {}): DirectoryPerson => ({
  name,
  address,
  firstName: null,
  lastName: null,
  phone: null,
  mobilePhone: null,
  homePhone: null,
  office: null,
  title: null,
  company: null,
  alias: null,
  ...more,
});

describe("the address book's list", () => {
  it("puts the people of the cached mail first, in their order, then the directory's", () => {
    const list = mergePeople(
      [local("Carol Clark", "carol@kontor.test", 9), local("Bob Baker", "bob@kontor.test", 3)],
      [person("Dave Dorn", "dave@kontor.test"), person("Alice Adler", "alice@kontor.test")],
    );
    expect(list.map((p) => p.address)).toEqual(["carol@kontor.test", "bob@kontor.test", "dave@kontor.test", "alice@kontor.test"]);
    expect(list.map((p) => p.local)).toEqual([true, true, false, false]);
  });

  it("merges a person found in both by address, case ignored, keeping the local place and the directory's details", () => {
    const list = mergePeople(
      [local("Bob", "Bob@Kontor.test", 3)],
      [person("Bob Baker", "bob@kontor.test", { phone: "+49 30 1234567-12", office: "Buchhaltung" }), person("Carol Clark", "carol@kontor.test")],
    );
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ name: "Bob", address: "Bob@Kontor.test", uses: 3, local: true });
    expect(list[0]?.directory?.phone).toBe("+49 30 1234567-12");
    expect(list[1]?.directory).not.toBeNull();
  });

  it("takes the directory's name when the mail had none, and the address when nobody has a name", () => {
    const list = mergePeople(
      [local("", "bob@kontor.test"), local("carol@kontor.test", "carol@kontor.test")],
      [person("Bob Baker", "bob@kontor.test"), person("dave@kontor.test", "dave@kontor.test"), person("", "erin@kontor.test")],
    );
    expect(list.map((p) => p.name)).toEqual(["Bob Baker", "carol@kontor.test", "dave@kontor.test", "erin@kontor.test"]);
  });

  it("lists an address only once, even when a source repeats it", () => {
    const list = mergePeople(
      [local("Bob Baker", "bob@kontor.test"), local("B. Baker", "BOB@kontor.test")],
      [person("Carol", "carol@kontor.test"), person("Carol Clark", "Carol@kontor.test")],
    );
    expect(list.map((p) => p.name)).toEqual(["Bob Baker", "Carol"]);
  });

  it("finds a directory entry by address and writes the search of a person's mail", () => {
    expect(entryFor([person("Bob Baker", "bob@kontor.test")], "BOB@kontor.test")?.name).toBe("Bob Baker");
    expect(entryFor([person("Bob Baker", "bob@kontor.test")], "carol@kontor.test")).toBeNull();
    expect(fromSearch("bob@kontor.test")).toBe("from:bob@kontor.test");
  });
});
