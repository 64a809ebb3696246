import { Text } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { codePoints, offsetOf, positionOf, utf16Offset } from "../../src/positions";

describe("code points and UTF-16", () => {
	const line = "中文 😀 x 𝑥 [[link]]";
	it("converts a code-point column into a UTF-16 offset and back", () => {
		const points = [...line];
		for (let i = 0; i <= points.length; i++) {
			const units = utf16Offset(line, i);
			expect(line.slice(0, units)).toBe(points.slice(0, i).join(""));
			expect(codePoints(line, units)).toBe(i);
		}
	});
	it("clamps past the end", () => {
		expect(utf16Offset("ab", 10)).toBe(2);
	});
	it("finds a 1-based line and column in a document", () => {
		const doc = Text.of(["# 标题 🎉", line]);
		const at = offsetOf(doc, 2, [...line].indexOf("[") + 1);
		expect(doc.sliceString(at, at + 8)).toBe("[[link]]");
		expect(positionOf(doc, at)).toEqual({ line: 2, column: [...line].indexOf("[") + 1 });
		expect(offsetOf(doc, 99, 1)).toBe(doc.line(2).from); // a line past the end is the last line
	});
});
