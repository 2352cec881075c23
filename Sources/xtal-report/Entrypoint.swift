import Stages

@main
struct Entrypoint {
    static func main() { ReportCommand.main() }
}
