/**
 * The terminals `%import common.X` offers, written in the Lark subset itself (lark.ts compiles them
 * once). Same names and languages as Lark's common.lark, with two definitions restated exactly because
 * Lark's rely on its regex matcher rather than on a language:
 * - ESCAPED_STRING: Lark uses a lookbehind (`(?<!\\)(\\\\)*?"`); here a string is `"`, then characters
 *   other than `"`, `\` and newline or a backslash pair `\x` (x not a newline), then `"`.
 * - C_COMMENT: Lark's lazy `/(.|\n)*?/` ends at the first `*\/`; here the body cannot contain `*\/`.
 */
export const commonTerminalSource = String.raw`
DIGIT: "0".."9"
HEXDIGIT: "a".."f" | "A".."F" | DIGIT
INT: DIGIT+
SIGNED_INT: ["+" | "-"] INT
DECIMAL: INT "." INT? | "." INT
_EXP: ("e" | "E") SIGNED_INT
FLOAT: INT _EXP | DECIMAL _EXP?
SIGNED_FLOAT: ["+" | "-"] FLOAT
NUMBER: FLOAT | INT
SIGNED_NUMBER: ["+" | "-"] NUMBER
ESCAPED_STRING: /"(?:[^"\\\n]|\\[^\n])*"/
LCASE_LETTER: "a".."z"
UCASE_LETTER: "A".."Z"
LETTER: UCASE_LETTER | LCASE_LETTER
WORD: LETTER+
CNAME: ("_" | LETTER) ("_" | LETTER | DIGIT)*
WS_INLINE: (" " | /\t/)+
WS: /[ \t\f\r\n]/+
CR: /\r/
LF: /\n/
NEWLINE: (CR? LF)+
SH_COMMENT: /#[^\n]*/
CPP_COMMENT: /\/\/[^\n]*/
C_COMMENT: /\/\*(?:[^*]|\*+[^*\/])*\*+\//
SQL_COMMENT: /--[^\n]*/
`;
