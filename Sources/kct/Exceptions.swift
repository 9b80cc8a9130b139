import ArgumentParser

struct Exceptions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record and resolve problems with orders.",
        subcommands: [ExceptionsOpen.self, ExceptionsResolve.self])
}
