import ArgumentParser
import JSONViews
import Store

struct ConflictsDismiss: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dismiss", abstract: "Accept the outcome of a conflict as it is.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var author: AuthorOptions
    @Argument(help: "The conflict's id (from `kct conflicts list`).") var id: Int64

    func run() throws {
        let conflict = try global.openStore().dismissConflict(id, by: author.resolved)
        if global.json {
            try Output.json(ConflictJSON(conflict))
            return
        }
        print("dismissed conflict \(conflict.id) on \(conflict.orderNumber ?? conflict.orderID)")
    }
}
