import ArgumentParser

struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The priority queue: open orders by score, and who is working on which.",
        discussion: """
            `kct queue` lists it; `kct queue claim ORDER` takes an order for the stage it is in \\
            ("I'm cutting this one") and `kct queue release ORDER` gives it back. Claims replicate like \\
            any edit; when two people claim an order while apart, the earlier claim wins everywhere \\
            and the other lands in its claimer's conflicts (protocol/CONFLICT-RULES.md §3.8). A claim \\
            ends when the order leaves its stage.
            """,
        subcommands: [QueueList.self, QueueClaim.self, QueueRelease.self], defaultSubcommand: QueueList.self)
}
