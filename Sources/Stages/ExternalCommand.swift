import Foundation

/// Finding and starting `xtal-<name>` executables for `xtal <name>`.
enum ExternalCommand {
    /// The first executable file called `name` in `directory`, then in each entry of `path` (colon-separated).
    static func locate(_ name: String, besides directory: String, path: String) -> String? {
        let candidates = [directory] + path.split(separator: ":").map(String.init)
        return candidates.lazy
            .filter { !$0.isEmpty }
            .map { ($0 as NSString).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Replaces this process with `executable arguments…` (argv[0] is the executable path).
    ///
    /// - Returns: only on failure, with `errno`.
    static func exec(_ executable: String, arguments: [String]) -> Int32 {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer {
            for argument in argv { free(argument) }
        }
        execv(executable, argv)
        return errno
    }
}
