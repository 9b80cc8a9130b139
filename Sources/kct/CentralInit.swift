import ArgumentParser
import Central

struct CentralInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create central's store: one SQLite file, or a PostgreSQL database.",
        discussion: """
            Refuses, changing nothing, when the file already exists or the database already holds a central \
            store. A PostgreSQL database must exist (createdb) and may be empty; central creates its tables.
            """)

    @OptionGroup var database: CentralDatabaseOption

    func run() throws {
        let store = try CentralStore.create(at: database.location)
        Output.note("created central store \(store.location)")
    }
}
