import ArgumentParser
import EventLoop
import Foundation
import HTTP
import Node
import Store

struct SyncNow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "now",
        abstract: "Push pending edits and pull what central has, once, in this process.",
        discussion: """
            Uses the daemon's sync code; `kct node run` need not be running (if it is, both are \
            safe: central settles pushes by sequence). Exits 6 with the reason when central is \
            unreachable or refuses.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let sync = try OneShotSync(store: try global.openStore())
        var outcome: Result<SyncEngine.CycleReport, SyncError>?
        sync.engine.onCycleFinished = { result in
            outcome = result
            sync.finish()
        }
        sync.engine.start(openStream: false)
        try sync.loop.run()
        switch outcome {
        case .success(let report):
            if global.json {
                try Output.json(SyncNowJSON(report))
            } else {
                print(
                    "pushed \(report.pushedChanges), pulled \(report.pulledEntries); cursor \(report.cursor) of "
                        + "\(report.headVersion)"
                        + (report.conflictsRecorded > 0
                            ? "; \(report.conflictsRecorded) conflict(s) recorded (kct conflicts list)" : ""))
            }
        case .failure(let error):
            throw CLIError("sync failed: \(error)", exitCode: ExitCodes.syncFailed)
        case nil:
            throw CLIError("sync did not finish", exitCode: ExitCodes.syncFailed)
        }
    }
}

extension ExitCodes {
    /// `kct sync now`: central unreachable, refused, or not configured.
    static let syncFailed: Int32 = 6
}

struct SyncNowJSON: Encodable {
    var pushed: Int
    var pulled: Int
    var conflictsRecorded: Int
    var cursor: Int64
    var headVersion: Int64

    init(_ report: SyncEngine.CycleReport) {
        pushed = report.pushedChanges
        pulled = report.pulledEntries
        conflictsRecorded = report.conflictsRecorded
        cursor = report.cursor
        headVersion = report.headVersion
    }

    enum CodingKeys: String, CodingKey {
        case pushed, pulled, conflictsRecorded = "conflicts_recorded", cursor, headVersion = "head_version"
    }
}
