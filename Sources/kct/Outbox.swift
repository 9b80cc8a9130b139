import ArgumentParser
import Foundation
import JSONViews
import Store
import SyncCore

struct Outbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Changes saved here and not yet pushed to central: count and entries, oldest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Show at most this many entries.") var limit = 20

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let store = try global.openStore()
        let outbox = try store.outbox(limit: limit)
        if global.json {
            try Output.json(
                OutboxJSON(
                    nodeID: store.identity.nodeID, pendingCount: outbox.pendingCount, lastSequence: outbox.lastSequence,
                    pushedUpTo: outbox.pushedUpTo, entries: outbox.entries))
            return
        }
        print(
            "\(outbox.pendingCount) pending change(s); last sequence \(outbox.lastSequence), pushed up to "
                + "\(outbox.pushedUpTo)"
        )
        guard !outbox.entries.isEmpty else { return }
        print(
            Output.table(
                ["SEQ", "HLC", "OP", "ENTITY", "ROW", "BY", "FIELDS"],
                outbox.entries.map { change in
                    [
                        String(change.sequence), change.hlc.description, change.operation.rawValue,
                        change.entity.rawValue,
                        String(change.rowID.prefix(8)), change.author,
                        change.fields.keys.sorted().joined(separator: ","),
                    ]
                }))
        if outbox.pendingCount > outbox.entries.count {
            print("… \(outbox.pendingCount - outbox.entries.count) more (--limit)")
        }
    }
}
