import ArgumentParser
import Central

struct CentralVacuum: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract: "Rewrite central's database compactly, giving freed space back to the disk.",
        discussion: """
            Safe while `kct central serve` serves the database: reads go on, pushes wait until it is done \
            (a workstation whose push times out retries it). Needs free disk space for a second copy of \
            the database while it runs. Prints the size before and after. On PostgreSQL it runs \
            VACUUM (ANALYZE): freed space is reused, pushes are not blocked, files rarely shrink.
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        try VacuumOutput.print(try store.vacuum(), file: database.location.description, json: json)
    }
}
