import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
	resolve: {
		// Obsidian cannot be installed here: the unit tests run the plugin against a small stand-in.
		alias: { obsidian: fileURLToPath(new URL("./test/support/obsidian.ts", import.meta.url)) },
	},
	test: {
		include: ["test/**/*.test.ts"],
		fileParallelism: false, // the contract and browser tests each run a daemon; two cores are shared
		testTimeout: 60_000,
		hookTimeout: 90_000,
	},
});
