/** `--name value` options of a bench tool: `opt('n', 1000)` is the value after `--n`, or the default. */
export function optionReader(argv = process.argv.slice(2)) {
  return (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
}
