import ArgumentParser
import Store

struct Vacuum: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite this workstation's replica compactly, giving freed space back to the disk.",
        discussion: """
            Safe while `kct node run` serves the replica: readers go on, edits wait until it is done \
            (an edit that waits more than 30 s fails and saves nothing). Needs free disk space for a \
            second copy of the replica while it runs. Prints the size before and after.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = try global.openStore()
        try VacuumOutput.print(try store.vacuum(), file: store.path, json: global.json)
    }
}
