#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build` (run by `npm ci` through
// `prepare`, and before `npm start` and `npm test`).
import('../dist/src/cli/main.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli/main.js')) {
    console.error('rollcall is not built yet: run `npm run build` in the project folder first.');
    process.exit(1);
  }
  throw error;
});
