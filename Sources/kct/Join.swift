import ArgumentParser
import Node
import Store

struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect this workstation to a central: store its URL and this node's token.",
        discussion: """
            The token comes from `kct central add-node` on central. Central's staff accounts are \
            fetched at once when central answers, so `kct login` works straight away; from then on \
            this workstation's accounts come from central. Then its orders are synced once (unless \
            --no-sync): a new workstation bootstraps from a snapshot of its shop's orders, with a \
            progress bar on a terminal, and resumes where it stopped if interrupted. The running \
            `kct node run` takes up the new central or token at once (also after a revoked token halted it).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Central's URL, e.g. http://127.0.0.1:8700.") var url: String

    @Option(
        help: ArgumentHelp(
            "This node's bearer token (kct_…), printed once by `kct central add-node`.", valueName: "token"))
    var token: String

    @Flag(help: "Only store the URL and token; orders are synced by `kct sync now` or `kct node run`.")
    var noSync = false

    func validate() throws {
        try CentralOptions.check(url: url, token: token)
    }

    func run() throws {
        let store = try global.openStore()
        try store.setSyncSettings(SyncSettings(centralURL: url, token: token))
        Output.note("node \(store.identity.nodeID) will sync with \(url)")
        CentralOptions.fetchAccounts(store, url: url, token: token)
        if !noSync { InitialSync.run(store) }
    }
}

/// Checks shared by `kct join` and `kct init --central … --token …`.
enum CentralOptions {
    /// Fetches central's staff accounts once, so `kct login` works straight after joining;
    /// says so when central cannot be asked (the daemon and `kct sync now` fetch them later).
    static func fetchAccounts(_ store: OrderStore, url: String, token: String) {
        do {
            let count = try AccountsFetch.once(
                store: store, endpoint: SyncEndpoint(centralURL: url, token: token, nodeID: store.identity.nodeID))
            Output.note("fetched \(count) staff account(s) from central; sign in with `kct login --email …`")
        } catch {
            Output.note(
                "could not fetch the staff accounts from central yet (\(error)); `kct sync now` or `kct node run` "
                    + "will, and until then nobody can sign in here"
            )
        }
    }

    static func check(url: String, token: String) throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8 else {
            throw ValidationError("the central URL must start with http:// or https://, got '\(url)'")
        }
        guard !token.isEmpty, !token.contains(where: { $0.isWhitespace }) else {
            throw ValidationError("--token must be a non-empty token without spaces")
        }
    }
}
