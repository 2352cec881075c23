import Foundation
import Stages

@main
struct Entrypoint {
    static func main() {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        XtalCommand.dispatch(Array(CommandLine.arguments.dropFirst()), executablePath: executable)
    }
}
