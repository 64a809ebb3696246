import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, readSettings, shown } from "../../src/settings";

describe("settings", () => {
	it("are the defaults when nothing was saved", () => {
		expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
		expect(readSettings("garbage")).toEqual(DEFAULT_SETTINGS);
	});
	it("keep valid saved values and replace invalid ones with defaults", () => {
		const read = readSettings({ executable: " /opt/vk/bin/vaultkit ", startDaemon: false, minSeverity: "loud", unsafeQuickFixes: "yes", extra: 1 });
		expect(read).toEqual({ ...DEFAULT_SETTINGS, executable: "/opt/vk/bin/vaultkit", startDaemon: false });
		expect(readSettings({ minSeverity: "warning" }).minSeverity).toBe("warning");
	});
	it("order severities: the lowest shown includes the ones above it", () => {
		expect(shown("error", "warning")).toBe(true);
		expect(shown("warning", "warning")).toBe(true);
		expect(shown("info", "warning")).toBe(false);
	});
});
