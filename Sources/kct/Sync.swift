import ArgumentParser

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sync with central: see where this workstation stands, or sync once now.",
        subcommands: [SyncStatusCommand.self, SyncNow.self])
}
