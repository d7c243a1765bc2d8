/**
 * Loads the compiler as the kernel does: with V8's code cache and its source patch
 * (src/exec/compiler-patch.ts). Import it before any module that imports the compiler.
 */
import { codeCacheDir, COMPILER_MODULE, loadWithCodeCache } from "../../src/exec/code-cache";

loadWithCodeCache(COMPILER_MODULE, codeCacheDir());
