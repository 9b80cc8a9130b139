import ArgumentParser
import JSONViews
import Store

struct ConflictsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One conflict in full.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conflict's id (from `kct conflicts list`).") var id: Int64

    func run() throws {
        let conflict = try global.openStore().conflict(id)
        if global.json {
            try Output.json(ConflictJSON(conflict))
            return
        }
        var lines = [
            "conflict \(conflict.id) (\(conflict.state.rawValue))",
            "order:       \(conflict.orderNumber ?? "?") (\(conflict.orderID))",
            "what:        \(conflict.entity.singular) \(conflict.rowID), \(conflict.operation.rawValue)",
            "wanted:      \(conflict.wantedSummary)",
        ]
        if conflict.field == nil {
            lines.append(
                "carried:     "
                    + conflict.changeFields.keys.sorted().map { "\($0)=\(conflict.changeFields[$0]!.displayText)" }
                    .joined(separator: " "))
        }
        if let winner = conflict.winner {
            lines.append(
                "won:         \(winner.value.displayText), node \(winner.stamp.nodeID) at \(winner.stamp.hlc.utcText)")
        }
        lines += [
            "by:          \(conflict.author) on \(conflict.workstation) at \(conflict.madeAt.utcText) (outbox "
                + "sequence \(conflict.sequence))",
            "\(conflict.rejected ? "rejected" : "superseded"):  \(conflict.code): \(conflict.message)",
            "recorded:    \(conflict.recordedAt)",
        ]
        if let settledAt = conflict.settledAt {
            lines.append(
                "\(conflict.state.rawValue):   \(settledAt) by \(conflict.settledBy ?? "?")"
                    + (conflict.reappliedSequence.map { " as outbox sequence \($0)" } ?? ""))
        }
        print(lines.joined(separator: "\n"))
    }
}
