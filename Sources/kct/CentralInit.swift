import ArgumentParser
import Central

struct CentralInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create central's store (one SQLite file).",
        discussion: "Refuses, changing nothing, when the file already exists.")

    @OptionGroup var database: CentralDatabaseOption

    func run() throws {
        let store = try CentralStore.create(path: database.path)
        Output.note("created central store \(store.path)")
    }
}
