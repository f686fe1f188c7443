// The README's main command: @kedge/localup/demo (packages/localup/src/demo/demo-main.ts).
import '@kedge/localup/demo';
