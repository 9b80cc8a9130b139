import ArgumentParser
import EventLoop
import Foundation
import HTTP
import Node
import Store
import SyncCore

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

    @Option(help: ArgumentHelp("Orders per snapshot page when this replica bootstraps.", valueName: "n"))
    var snapshotPageLimit = SnapshotRequest.defaultLimit

    func validate() throws {
        guard (1...SnapshotRequest.maximumLimit).contains(snapshotPageLimit) else {
            throw ValidationError("--snapshot-page-limit must be from 1 to \(SnapshotRequest.maximumLimit)")
        }
    }

    func run() throws {
        var configuration = SyncEngine.Configuration()
        configuration.snapshotPageLimit = snapshotPageLimit
        let sync = try OneShotSync(store: try global.openStore(), configuration: configuration)
        switch try sync.runCycle() {
        case .success(let report):
            if global.json {
                try Output.json(SyncNowJSON(report))
            } else {
                print(
                    (report.snapshotOrders > 0 ? "bootstrapped \(report.snapshotOrders) orders, " : "")
                        + "pushed \(report.pushedChanges), pulled \(report.pulledEntries); cursor \(report.cursor) of "
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
    /// Orders merged from central's snapshot (a bootstrap, or the rest of one).
    var snapshotOrders: Int
    var conflictsRecorded: Int
    var cursor: Int64
    var headVersion: Int64

    init(_ report: SyncEngine.CycleReport) {
        pushed = report.pushedChanges
        pulled = report.pulledEntries
        snapshotOrders = report.snapshotOrders
        conflictsRecorded = report.conflictsRecorded
        cursor = report.cursor
        headVersion = report.headVersion
    }

    enum CodingKeys: String, CodingKey {
        case pushed, pulled, snapshotOrders = "snapshot_orders", conflictsRecorded = "conflicts_recorded", cursor
        case headVersion = "head_version"
    }
}
