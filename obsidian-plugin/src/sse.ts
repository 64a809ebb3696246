/**
 * A Server-Sent Events parser (the WHATWG "event stream interpretation"), fed with text as it
 * arrives.  The browser's EventSource cannot send an Authorization header, so the plugin reads
 * the stream with fetch and parses it here.
 */

import type { StreamEvent } from "./types";

export class SseParser {
	private buffer = "";
	private name = "";
	private data: string[] = [];
	private id: string | undefined;

	/** Feed a chunk; returns the events it completed (a partial line waits for the next chunk). */
	feed(chunk: string): StreamEvent[] {
		this.buffer += chunk;
		const done: StreamEvent[] = [];
		for (;;) {
			const match = /\r\n|\r|\n/.exec(this.buffer);
			if (!match || (match[0] === "\r" && match.index === this.buffer.length - 1)) break; // \r may start \r\n
			const line = this.buffer.slice(0, match.index);
			this.buffer = this.buffer.slice(match.index + match[0].length);
			const event = this.line(line);
			if (event) done.push(event);
		}
		return done;
	}

	private line(line: string): StreamEvent | null {
		if (line === "") {
			if (this.data.length === 0) {
				this.name = "";
				return null;
			}
			const raw = this.data.join("\n");
			const name = this.name || "message";
			this.name = "";
			this.data = [];
			let data: Record<string, unknown>;
			try {
				data = JSON.parse(raw) as Record<string, unknown>;
			} catch {
				data = { text: raw };
			}
			return { name, data, id: this.id };
		}
		if (line.startsWith(":")) return null;
		const colon = line.indexOf(":");
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? "" : line.slice(colon + 1);
		if (value.startsWith(" ")) value = value.slice(1);
		if (field === "event") this.name = value;
		else if (field === "data") this.data.push(value);
		else if (field === "id" && !value.includes("\0")) this.id = value;
		return null;
	}
}
