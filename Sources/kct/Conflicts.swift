import ArgumentParser

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Edits made here that lost to another workstation's edit or were refused by central.",
        subcommands: [ConflictsList.self, ConflictsShow.self, ConflictsReapply.self, ConflictsDismiss.self])
}
