import { describe, expect, it } from "vitest";
import { candidates, discover, parseDiscovery } from "../../src/daemon";

describe("finding the daemon", () => {
	it("reads the discovery file the daemon writes, and refuses anything else", () => {
		expect(parseDiscovery('{"pid": 12, "url": "http://127.0.0.1:5123", "port": 5123, "version": "0.1.0"}')).toEqual({ url: "http://127.0.0.1:5123", pid: 12, version: "0.1.0" });
		expect(parseDiscovery('{"pid": 12, "url": "http://evil.example:80"}')).toBeNull();
		expect(parseDiscovery("{not json")).toBeNull();
		expect(parseDiscovery(null)).toBeNull();
	});
	it("says why there is no daemon: none published, no token, or it does not answer", async () => {
		const files: Record<string, string> = {};
		const read = async (path: string) => files[path] ?? null;
		const refuse = async () => {
			throw new TypeError("fetch failed");
		};
		expect(await discover(read, refuse)).toMatch(/no `vaultkit watch` runs/);
		files[".vaultkit/watch.json"] = '{"pid": 7, "url": "http://127.0.0.1:9"}';
		expect(await discover(read, refuse)).toMatch(/watch-token is missing/);
		files[".vaultkit/watch-token"] = "secret\n";
		expect(await discover(read, refuse)).toMatch(/pid 7\) does not answer/);
		const up = async () => new Response('{"ok": true}');
		const client = await discover(read, up);
		expect(typeof client === "string" ? client : client.url).toBe("http://127.0.0.1:9");
	});
	it("looks for vaultkit where pip and pipx put it, not only on the desktop's PATH", () => {
		const posix = candidates("", { PATH: "/usr/bin:/opt/x/", HOME: "/home/me" }, "linux");
		expect(posix.slice(0, 3)).toEqual(["/usr/bin/vaultkit", "/opt/x/vaultkit", "/home/me/.local/bin/vaultkit"]);
		expect(posix).toContain("/opt/homebrew/bin/vaultkit");
		expect(new Set(posix).size).toBe(posix.length);
		const windows = candidates("", { Path: "C:\\Python312\\Scripts", USERPROFILE: "C:\\Users\\me", APPDATA: "C:\\Users\\me\\AppData\\Roaming" }, "win32");
		expect(windows).toEqual(["C:\\Python312\\Scripts\\vaultkit.exe", "C:\\Users\\me\\.local\\bin\\vaultkit.exe", "C:\\Users\\me\\AppData\\Roaming\\Python\\Scripts\\vaultkit.exe"]);
		expect(candidates("/x/vaultkit", { PATH: "/usr/bin" }, "linux")).toEqual(["/x/vaultkit"]);
	});
});
