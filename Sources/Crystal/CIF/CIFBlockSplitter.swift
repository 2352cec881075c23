/// Cuts a CIF file into its data blocks, fed one line at a time.
///
/// Each block's text runs from its `data_` line up to the line before the next `data_` line (or the end of
/// the file). A `data_` line inside a semicolon text field (from a line starting with `;` to the next line
/// starting with `;`) does not start a block. Text before the first `data_` line is ignored. Memory holds
/// only the block being read.
///
/// ```swift
/// var splitter = CIFBlockSplitter()
/// while let line = try reader.readLine() {
///     if let block = splitter.append(line) { crystals.append(try CIFParser.parseBlock(block)) }
/// }
/// if let block = splitter.finish() { crystals.append(try CIFParser.parseBlock(block)) }
/// ```
public struct CIFBlockSplitter: Sendable {
    /// The bytes of the block being read, `nil` before the first `data_` line.
    private var current: [UInt8]?
    /// Whether the last line read opened a semicolon text field that is not closed yet.
    private var inTextField = false
    /// Lines read so far.
    public private(set) var lineNumber = 0
    /// The 1-based line number, in the whole input, of the `data_` line of the block returned last.
    public private(set) var lastBlockStartLine = 0
    /// The line number of the `data_` line of the block being read.
    private var currentStartLine = 0

    public init() {}

    /// Reads one line (without its line ending).
    ///
    /// - Returns: the text of the previous data block when `line` starts a new one, else `nil`.
    public mutating func append(_ line: Substring) -> String? { append(bytes: ArraySlice(line.utf8)) }

    /// Reads one line's bytes (without its line ending): the block is kept as bytes and made a `String` once,
    /// when it is returned (a folder of CIFs is cut on one thread, so this is ingest's serial part).
    ///
    /// - Returns: the text of the previous data block when `line` starts a new one, else `nil`.
    public mutating func append(bytes line: ArraySlice<UInt8>) -> String? {
        lineNumber += 1
        let first = line.first
        if inTextField {
            if first == UInt8(ascii: ";") { inTextField = false }
            appendLine(line)
            return nil
        }
        if first == UInt8(ascii: ";") {
            inTextField = true
        } else if startsDataBlock(line) {
            let finished = takeBlock()
            current = []
            appendLine(line)
            currentStartLine = lineNumber
            return finished
        }
        appendLine(line)
        return nil
    }

    /// Ends the input.
    ///
    /// - Returns: the text of the last data block, or `nil` if the input had none.
    public mutating func finish() -> String? {
        inTextField = false
        return takeBlock()
    }

    private mutating func appendLine(_ line: ArraySlice<UInt8>) {
        guard current != nil else { return }
        current?.append(contentsOf: line)
        current?.append(UInt8(ascii: "\n"))
    }

    private mutating func takeBlock() -> String? {
        guard let block = current else { return nil }
        current = nil
        lastBlockStartLine = currentStartLine
        return String(decoding: block, as: UTF8.self)
    }

    /// Whether `line`, after leading blanks, starts with `data_` (in any case).
    private func startsDataBlock(_ line: ArraySlice<UInt8>) -> Bool {
        var bytes = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.makeIterator()
        for expected in "data_".utf8 {
            guard let byte = bytes.next(), asciiLowercase(byte) == expected else { return false }
        }
        return true
    }
}
