import ArgumentParser
import Foundation
import Store

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory holding the replica (env KCT_DATA_DIR; default $XDG_DATA_HOME/kct or ~/.local/share/kct).",
            valueName: "path"))
    var dataDir: String?

    @Flag(name: .long, help: "Print JSON (snake_case field names, money as decimal strings) instead of tables.")
    var json = false

    var resolvedDataDir: String {
        let environment = ProcessInfo.processInfo.environment
        if let dataDir, !dataDir.isEmpty { return dataDir }
        if let fromEnvironment = environment["KCT_DATA_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return (xdg as NSString).appendingPathComponent("kct")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/kct")
    }

    func openStore() throws -> OrderStore { try OrderStore.open(directory: resolvedDataDir) }
}

extension GlobalOptions {
    /// `$DATA_DIR/session`: the token of this workstation's `kct login` (mode 0600).
    var sessionFile: SessionFile { SessionFile(directory: resolvedDataDir) }

    /// The signed-in member of staff, for an editing command; with nobody signed in (or a
    /// session that expired, ended, or whose account was disabled) the command refuses with
    /// exit code 7 and says how to sign in.
    func signedIn(_ store: OrderStore) throws -> StaffActor {
        guard let token = try sessionFile.read() else { throw CLIError.notSignedIn(nil) }
        let lookup = try store.lookUpSession(token: token)
        guard let actor = lookup.actor else { throw CLIError.notSignedIn(lookup) }
        return actor
    }
}

extension CLIError {
    static func notSignedIn(_ lookup: SessionLookup?) -> CLIError {
        let why: String
        switch lookup {
        case .expired(let email)?: why = "the session of \(email) has expired"
        case .ended(let email)?: why = "\(email) signed out"
        case .accountUnavailable(let email)?: why = "the account \(email) is disabled or gone"
        case .unknown?, .active?, nil: why = "nobody is signed in on this workstation"
        }
        return CLIError("\(why): run `kct login --email you@example.com`", exitCode: ExitCodes.notSignedIn)
    }
}
