import ArgumentParser

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run this workstation's daemon: local API for the staff's screens and sync with central.",
        subcommands: [NodeRun.self])
}
