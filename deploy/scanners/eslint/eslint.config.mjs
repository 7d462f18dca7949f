// ScanGate's ESLint configuration: only eslint-plugin-security's recommended rules, on every JavaScript file of the
// cloned repository. Style and correctness rules are left out: this image looks for security problems.
import security from "eslint-plugin-security";

export default [
  { ignores: ["**/node_modules/", "**/.git/", "**/*.min.js", "**/vendor/", "**/dist/", "**/build/"] },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx"],
    languageOptions: { ecmaVersion: "latest", parserOptions: { ecmaFeatures: { jsx: true } } },
    linterOptions: { reportUnusedDisableDirectives: "off" },
  },
  security.configs.recommended,
];
