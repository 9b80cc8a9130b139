import ArgumentParser
import JSONViews
import Store

struct ConflictsReapply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reapply",
        abstract: "Make what a conflict lost a new edit (checked like any edit; refused if no longer valid).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conflict's id (from `kct conflicts list`).") var id: Int64

    func run() throws {
        let store = try global.openStore()
        let conflict = try store.reapplyConflict(id, by: try global.signedIn(store))
        if global.json {
            try Output.json(ConflictJSON(conflict))
            return
        }
        print(
            "re-applied conflict \(conflict.id) on \(conflict.orderNumber ?? conflict.orderID) as outbox sequence "
                + "\(conflict.reappliedSequence ?? 0)"
        )
    }
}
