// The README's main command: see packages/localup/src/demo/demo-main.ts.
import '../packages/localup/src/demo/demo-main.ts';
