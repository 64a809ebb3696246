import { describe, expect, it } from "vitest";
import { group, ProblemStore, rulesIn } from "../../src/store";
import type { Severity } from "../../src/types";
import { problem } from "../support/problems";

const all = new Set<Severity>(["error", "warning", "info"]);

describe("the problem store", () => {
	it("groups by note and rule, in path, code and line order", () => {
		const problems = [
			problem("B.md", "VK201", "broken-wikilink", 9),
			problem("A.md", "VK201", "broken-wikilink", 3),
			problem("B.md", "VK104", "property-type", 2, "error"),
			problem("B.md", "VK201", "broken-wikilink", 4),
		];
		const groups = group(problems, { severities: all, rule: null });
		expect(groups.map((g) => [g.path, g.count])).toEqual([["A.md", 1], ["B.md", 3]]);
		expect(groups[1].rules.map((r) => [r.code, r.problems.map((p) => p.line)])).toEqual([["VK104", [2]], ["VK201", [4, 9]]]);
		expect(rulesIn(problems)).toEqual([{ rule: "property-type", code: "VK104" }, { rule: "broken-wikilink", code: "VK201" }]);
	});
	it("filters by severity and by rule", () => {
		const problems = [problem("A.md", "VK201", "broken-wikilink", 3), problem("A.md", "VK104", "property-type", 2, "error")];
		expect(group(problems, { severities: new Set(["error"]), rule: null })[0].rules.map((r) => r.code)).toEqual(["VK104"]);
		expect(group(problems, { severities: all, rule: "broken-wikilink" })[0].count).toBe(1);
		expect(group(problems, { severities: new Set(["info"]), rule: null })).toEqual([]);
	});
	it("applies snapshots and events and says what changed", () => {
		const store = new ProblemStore();
		const changes: unknown[] = [];
		store.onChange((c) => changes.push(c));
		expect(store.synced).toBe(false);
		store.replaceAll([problem("A.md", "VK201", "broken-wikilink", 1), problem("B.md", "VK201", "broken-wikilink", 1, "error")], 4);
		expect(store.synced && store.snapshot === 4).toBe(true);
		store.rename("A.md", "Sub/A.md");
		expect(store.problemsOf("Sub/A.md")[0].path).toBe("Sub/A.md");
		expect(store.problemsOf("A.md")).toEqual([]);
		store.setNote("B.md", []);
		expect(store.paths()).toEqual(["Sub/A.md"]);
		expect(store.counts()).toEqual({ error: 0, warning: 1, info: 0 });
		store.remove("Sub/A.md");
		expect(store.all()).toEqual([]);
		expect(changes).toEqual([{ all: true }, { all: false, paths: ["A.md", "Sub/A.md"] }, { all: false, paths: ["B.md"] }, { all: false, paths: ["Sub/A.md"] }]);
	});
});
