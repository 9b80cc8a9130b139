import ArgumentParser
import JSONViews
import Store

struct ConflictsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Open conflicts, newest first.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also show dismissed and re-applied conflicts.") var all = false

    func run() throws {
        let conflicts = try global.openStore().conflicts(includeSettled: all)
        if global.json {
            try Output.json(conflicts.map(ConflictJSON.init))
            return
        }
        guard !conflicts.isEmpty else {
            print(all ? "no conflicts" : "no open conflicts")
            return
        }
        print(
            Output.table(
                ["ID", "ORDER", "ENTITY", "WANTED", "WON", "BY", "WHEN", "WHY", "STATE"],
                conflicts.map { conflict in
                    [
                        String(conflict.id), conflict.orderNumber ?? String(conflict.orderID.prefix(8)),
                        conflict.entity.singular,
                        conflict.wantedSummary, conflict.winner.map { $0.value.displayText } ?? "-", conflict.author,
                        String(conflict.madeAt.utcText.prefix(19)), conflict.code, conflict.state.rawValue,
                    ]
                }))
    }
}
