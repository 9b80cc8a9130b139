import ArgumentParser
import Central

struct CentralCompact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Fold away the log entries older than a horizon (the audit trail is never compacted).",
        discussion: """
            An entry stays while it is within either window given: among the last --keep-versions versions, \
            or stamped less than --keep-days days ago (with every entry after it). A workstation whose \
            cursor is below the new horizon is answered 410 cursor_compacted and bootstraps from a \
            snapshot, keeping its unsynced edits (SYNC-PROTOCOL.md §4.10). Safe while `kct central serve` \
            runs; `serve --compact-keep-days/--compact-keep-versions` does the same hourly.
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Option(help: ArgumentHelp("Keep the entries stamped within this many days.", valueName: "n"))
    var keepDays: Int?

    @Option(help: ArgumentHelp("Keep the last this many log versions.", valueName: "n"))
    var keepVersions: Int64?

    func validate() throws {
        try CompactionWindow.check(days: keepDays, versions: keepVersions, required: true)
    }

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        guard let policy = CompactionWindow.policy(days: keepDays, versions: keepVersions) else { return }
        let report = try store.compact(policy)
        print(
            "removed \(report.removedEntries) log entries; the log holds versions after \(report.compactedThrough) "
                + "(head \(report.headVersion))")
    }
}

/// How much of the log to keep: `kct central compact` and `kct central serve`'s automatic compaction.
enum CompactionWindow {
    static func check(days: Int?, versions: Int64?, required: Bool) throws {
        if let days, days < 0 { throw ValidationError("the days to keep must be 0 or more") }
        if let versions, versions < 0 { throw ValidationError("the versions to keep must be 0 or more") }
        if required && days == nil && versions == nil {
            throw ValidationError("give --keep-days, --keep-versions or both")
        }
    }

    /// Nil when neither window is given.
    static func policy(days: Int?, versions: Int64?) -> CompactionPolicy? {
        days == nil && versions == nil ? nil : CompactionPolicy(keepDays: days, keepVersions: versions)
    }
}
