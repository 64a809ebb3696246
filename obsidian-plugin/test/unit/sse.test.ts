import { describe, expect, it } from "vitest";
import { SseParser } from "../../src/sse";

describe("the event stream parser", () => {
	it("parses events split at any point, with comments, CRLF and multi-line data", () => {
		const stream = 'retry: 2000\n\nid: 3\nevent: hello\ndata: {"generation": 3}\n\n: keep-alive\n\r\nevent: diagnostics\r\ndata: {"path":\r\ndata: "A.md"}\r\n\r\n';
		for (let cut = 0; cut <= stream.length; cut++) {
			const parser = new SseParser();
			const events = [...parser.feed(stream.slice(0, cut)), ...parser.feed(stream.slice(cut))];
			expect(events).toEqual([
				{ name: "hello", data: { generation: 3 }, id: "3" },
				{ name: "diagnostics", data: { path: "A.md" }, id: "3" },
			]);
		}
	});
	it("keeps an unfinished event for the next chunk", () => {
		const parser = new SseParser();
		expect(parser.feed('event: removed\ndata: {"path": "B.md"}\n')).toEqual([]);
		expect(parser.feed("\n")).toEqual([{ name: "removed", data: { path: "B.md" }, id: undefined }]);
	});
});
