import ArgumentParser
import Foundation
import Node
import Store

struct SyncStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Online or not, pending edits, last successful sync, lag behind central, last error, open conflicts.",
        discussion:
            "From the replica (works whether or not `kct node run` is running); online means the last attempt "
            + "reached central."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = try global.openStore()
        let status = SyncStatusJSON(try store.syncStatus(), verify: try store.verifyStatus())
        let requests = try store.recentIntegrationRequests(limit: Self.requestsShown)
        if global.json {
            try Output.json(status)
            return
        }
        print("central:        \(status.centralURL ?? "none (kct join URL --token TOKEN)")")
        print("online:         \(status.online ? "yes" : "no")")
        print("pending edits:  \(status.pending)")
        print("last sync:      \(status.lastSyncAt.map(Output.time) ?? "never")")
        if let lag = status.lag, let head = status.headVersion {
            print("lag:            \(lag) (cursor \(status.cursor), central head \(head))")
        } else {
            print("lag:            unknown (cursor \(status.cursor))")
        }
        print("last error:     \(status.lastError ?? "none")")
        if status.consecutiveFailures > 0 {
            let retry = status.nextRetryAt.map { "next retry at \($0)" } ?? "no retry scheduled"
            print("retrying:       \(status.consecutiveFailures) failed attempts in a row; \(retry)")
        }
        print("open conflicts: \(status.openConflicts)")
        if let bootstrap = status.bootstrap {
            let total = bootstrap.ordersTotal.map { " of \($0)" } ?? ""
            print(
                "bootstrap:      \(bootstrap.ordersDone)\(total) orders of central's snapshot at version "
                    + "\(bootstrap.version) (since \(bootstrap.startedAt ?? "?"))")
        }
        if let verify = status.verify { print("verified:       \(Self.describe(verify))") }
        guard !requests.isEmpty else { return }
        // Requests to central's providers: answered through sync like any change.
        print("\nrequests to providers (latest \(Self.requestsShown))")
        print(
            Output.table(
                ["ORDER", "ASKED", "KIND", "STATE", "ANSWER"],
                requests.map { order, request in
                    [
                        order, request.createdAt.map(Output.time) ?? "", request.kind.rawValue, request.stateText,
                        String((request.answer ?? "").split(separator: "\n").first ?? ""),
                    ]
                }))
    }

    static let requestsShown = 10

    /// The last checksum verification in one line (`kct sync verify`).
    static func describe(_ verify: VerifyJSON) -> String {
        guard let at = verify.lastVerifiedAt else { return "never (kct sync verify)" }
        return "\(Output.time(at)) at version \(verify.version ?? 0): \(verify.bucketsChecked) buckets checked, "
            + "\(verify.bucketsMismatched) mismatched, \(verify.bucketsRepaired) repaired "
            + "(\(verify.repairedTotal) repaired in \(verify.runsTotal) runs)"
    }
}
