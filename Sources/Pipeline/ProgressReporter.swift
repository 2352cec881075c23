import Foundation

/// Progress of a stage on standard error: a bar with rate and ETA on a terminal, a plain line every few
/// seconds otherwise, nothing when quiet.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int?
    private let quiet: Bool
    private let terminal: Bool
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var lastPrint = Date()

    /// A reporter for `label` (the stage name) over `total` items when known.
    public init(label: String, total: Int?, quiet: Bool, terminal: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.total = total
        self.quiet = quiet
        self.terminal = terminal
    }

    /// Records `count` more items done.
    public func advance(by count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        let now = Date()
        let interval = terminal ? 0.1 : 5.0
        guard !quiet, now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        write(line(now: now))
    }

    /// Ends the progress display and prints `summary` (unless quiet).
    public func finish(_ summary: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !quiet else { return }
        if terminal { write("\r\u{1B}[K") }
        write(summary + "\n")
    }

    private func line(now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done) / elapsed
        var text = "\(label): \(done)"
        if let total, total > 0 {
            text += "/\(total)"
            if terminal {
                let width = 24
                let filled = min(width, done * width / total)
                text =
                    "\(label) [" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
                    + "] \(done)/\(total)"
            }
            if rate > 0 { text += String(format: ", ETA %.0fs", Double(max(total - done, 0)) / rate) }
        }
        text += String(format: " (%.0f/s)", rate)
        return terminal ? "\r\u{1B}[K" + text : text + "\n"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
