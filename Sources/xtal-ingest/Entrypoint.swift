import Stages

@main
struct Entrypoint {
    static func main() { IngestCommand.main() }
}
