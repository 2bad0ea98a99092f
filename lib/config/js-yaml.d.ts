/** The part of js-yaml that config/load.ts uses (the package ships no types). */
declare module 'js-yaml' {
  /** Parse one YAML document; throws a YAMLException (with `mark` and `reason`) on bad syntax. */
  export function load(text: string): unknown;
}
