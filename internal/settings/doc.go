// Package settings reads a command's configuration from one declaration per
// setting. foyer's commands (rp, mockidp) each declare a [Table]: one
// [Setting] row per value an operator can set, giving its flag name, its
// environment variable (the table's prefix + the flag in upper snake case),
// its YAML key, its default, one line of documentation, and the field it
// feeds (a [Value] bound to that field). Everything else comes from the
// table:
//
//   - [Table.Load] parses the command line, the environment and the YAML
//     file, in that order of precedence (flag > environment > YAML >
//     default), and returns every problem at once as a [Report] whose lines
//     name the setting the way the operator wrote it: the flag, the
//     variable, or the YAML key with its line and column.
//   - [Table.Help] prints --help; [Table.Markdown] writes the configuration
//     reference of docs/configuration.md, which a test in each command
//     compares with the file.
//
// Unknown flags and YAML keys are errors, unknown variables with the
// table's prefix are warnings, each with a did-you-mean ([Suggest]).
//
// A list setting (a [List] or [Prefixes]) given in one source replaces the
// value of lower sources; given several times in one source (a repeated
// flag, a YAML sequence) it collects every item. A YAML list of maps (rp's
// providers, mockidp's clients) is an [Items] value whose rows decode each
// item.
package settings
