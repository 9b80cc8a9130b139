import ArgumentParser
import JSONViews
import Store

struct ConflictsDismiss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss", abstract: "Accept the outcome of a conflict as it is.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The conflict's id (from `kct conflicts list`).") var id: Int64

    func run() throws {
        let store = try global.openStore()
        let conflict = try store.dismissConflict(id, by: try global.signedIn(store))
        if global.json {
            try Output.json(ConflictJSON(conflict))
            return
        }
        print("dismissed conflict \(conflict.id) on \(conflict.orderNumber ?? conflict.orderID)")
    }
}
