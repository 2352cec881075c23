/// The JSON structural bytes, shared by the record splitter and the scanner.
let openBrace = UInt8(ascii: "{")
let closeBrace = UInt8(ascii: "}")
let openBracket = UInt8(ascii: "[")
let closeBracket = UInt8(ascii: "]")
let quote = UInt8(ascii: "\"")
let backslash = UInt8(ascii: "\\")
let comma = UInt8(ascii: ",")
let colon = UInt8(ascii: ":")
