import ArgumentParser
import EventLoop
import Foundation
import HTTP
import Node
import Store
import SyncCore

struct SyncVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare this replica with central by bucket checksums and repair the buckets that differ.",
        discussion: """
            Syncs once (push, then pull to central's head), then compares the checksum of every bucket of \
            orders with central's at the same log version: what staff see (the typed tables) for orders \
            without pending edits, and the confirmed replica of every order. A bucket that differs is \
            rewritten from central's state, with pending local edits kept over it. Exits 6 when central \
            is unreachable or refuses, 8 when a bucket still differs after its repair.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only report the buckets that differ; change nothing.")
    var noRepair = false

    @Flag(
        help: """
            Compare at this replica's cursor without syncing first (pending edits stay unpushed); fails when \
            central has moved past the cursor.
            """)
    var noSync = false

    @Option(help: ArgumentHelp("Syncs to try when central moves on during verification.", valueName: "n"))
    var attempts = 3

    func validate() throws {
        guard (1...20).contains(attempts) else { throw ValidationError("--attempts must be 1 to 20, not \(attempts)") }
    }

    func run() throws {
        let sync = try OneShotSync(store: try global.openStore())
        let engine = sync.engine
        var outcome: Result<VerifyReport, VerifyFailure>?
        var left = attempts
        func done(_ result: Result<VerifyReport, VerifyFailure>) {
            outcome = result
            sync.finish()
        }
        // Sync, then verify; when central moved on meanwhile, sync again (at most `attempts` times).
        engine.onCycleFinished = { cycle in
            switch cycle {
            case .failure(let error): done(.failure(.sync(error)))
            case .success:
                left -= 1
                engine.verify(repair: !noRepair) { result in
                    if case .failure(.notCaughtUp) = result, left > 0 { return engine.syncNow() }
                    done(result)
                }
            }
        }
        if noSync {
            engine.verify(repair: !noRepair, completion: done)
        } else {
            engine.start(openStream: false)
        }
        try sync.loop.run()
        switch outcome {
        case .success(let report):
            if global.json {
                try Output.json(SyncVerifyJSON(report))
            } else {
                print(
                    "verified at version \(report.version): \(report.bucketsChecked) buckets checked, "
                        + "\(report.mismatched.count) mismatched, \(report.repaired.count) repaired"
                        + (report.pendingOrders > 0
                            ? " (\(report.pendingOrders) orders with pending edits compared by confirmed state)" : ""))
                for bucket in report.mismatched {
                    print("  bucket \(bucket): \(report.repaired.contains(bucket) ? "repaired" : "differs")")
                }
            }
            if !noRepair, !report.unrepaired.isEmpty {
                throw CLIError(
                    "buckets \(report.unrepaired) still differ from central's after repair",
                    exitCode: ExitCodes.verifyMismatch)
            }
        case .failure(let error):
            throw CLIError("verification failed: \(error)", exitCode: ExitCodes.syncFailed)
        case nil:
            throw CLIError("verification did not finish", exitCode: ExitCodes.syncFailed)
        }
    }
}

extension ExitCodes {
    /// `kct sync verify`: a bucket still differs from central's after its repair.
    static let verifyMismatch: Int32 = 8
}

struct SyncVerifyJSON: Encodable {
    var version: Int64
    var bucketsChecked: Int
    var mismatched: [Int]
    var repaired: [Int]
    var pendingOrders: Int
    var repairedOrders: [String]

    init(_ report: VerifyReport) {
        version = report.version
        bucketsChecked = report.bucketsChecked
        mismatched = report.mismatched
        repaired = report.repaired
        pendingOrders = report.pendingOrders
        repairedOrders = report.repairedOrders.sorted()
    }

    enum CodingKeys: String, CodingKey {
        case version, bucketsChecked = "buckets_checked", mismatched, repaired, pendingOrders = "pending_orders"
        case repairedOrders = "repaired_orders"
    }
}
