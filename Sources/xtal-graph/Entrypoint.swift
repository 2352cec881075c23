import Stages

@main
struct Entrypoint {
    static func main() { GraphCommand.main() }
}
