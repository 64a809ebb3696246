// The build, as in obsidianmd/obsidian-sample-plugin: one CommonJS bundle, main.js, with
// Obsidian, Electron, CodeMirror and Node's built-ins left to the app that loads it.
import { builtinModules } from "node:module";
import esbuild from "esbuild";

const production = process.argv[2] === "production";

export const external = [
	"obsidian",
	"electron",
	"@codemirror/autocomplete",
	"@codemirror/collab",
	"@codemirror/commands",
	"@codemirror/language",
	"@codemirror/lint",
	"@codemirror/search",
	"@codemirror/state",
	"@codemirror/view",
	"@lezer/common",
	"@lezer/highlight",
	"@lezer/lr",
	...builtinModules,
	...builtinModules.map((name) => `node:${name}`),
];

const context = await esbuild.context({
	banner: { js: "/* vaultkit for Obsidian: built from obsidian-plugin/src by esbuild; do not edit. */" },
	entryPoints: ["src/main.ts"],
	bundle: true,
	external,
	format: "cjs",
	target: "es2020",
	// Node's built-ins are loaded lazily with import() on the desktop only; in Obsidian's CommonJS
	// world that has to become a require() made when the code runs, not an ES module import.
	supported: { "dynamic-import": false },
	logLevel: "info",
	sourcemap: production ? false : "inline",
	treeShaking: true,
	minify: production,
	legalComments: "none",
	outfile: "main.js",
});

if (production) {
	await context.rebuild();
	await context.dispose();
} else {
	await context.watch();
}
