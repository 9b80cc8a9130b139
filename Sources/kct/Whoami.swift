import ArgumentParser
import Store

struct Whoami: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who is signed in on this workstation, with their role as this replica knows it now.",
        discussion: "Exits 7 when nobody is signed in (or the session expired or ended).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = try global.openStore()
        guard let token = try global.sessionFile.read() else { throw CLIError.notSignedIn(nil) }
        let lookup = try store.lookUpSession(token: token)
        guard case .active(let actor, let expiresAt) = lookup else { throw CLIError.notSignedIn(lookup) }
        if global.json {
            try Output.json(WhoamiJSON(actor: actor, expiresAt: expiresAt))
        } else {
            print(
                "\(actor.name) <\(actor.email)>, \(actor.role.rawValue), signed in until \(Output.time(expiresAt)) UTC")
        }
    }
}
