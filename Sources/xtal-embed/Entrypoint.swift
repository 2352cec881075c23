import Stages

@main
struct Entrypoint {
    static func main() { EmbedCommand.main() }
}
