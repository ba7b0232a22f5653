// A secret's name goes into file names of messages, command lines a person copies and the store's
// JSON: letters, digits and _ - . only, so that it never needs quoting anywhere.
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** What is wrong with a secret's name, or undefined. */
export function secretNameProblem(name: string): string | undefined {
  if (SECRET_NAME.test(name)) return undefined;
  return `"${name}" is not a secret name this tool accepts: use letters, digits, _ - and . only (at most 100, starting with a letter or digit), e.g. clearnox-client-secret`;
}
