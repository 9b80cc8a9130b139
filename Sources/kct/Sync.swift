import ArgumentParser

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sync with central: see where this workstation stands, sync once now, or verify by checksums.",
        subcommands: [SyncStatusCommand.self, SyncNow.self, SyncVerify.self])
}
