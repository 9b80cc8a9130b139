import ArgumentParser
import Store

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign out of this workstation (ends the session of `kct login`).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = try global.openStore()
        guard let token = try global.sessionFile.read() else {
            Output.note("nobody was signed in")
            return
        }
        let email = try store.signOut(token: token)
        global.sessionFile.remove()
        Output.note(email.map { "signed out \($0)" } ?? "the session had already ended; removed it")
    }
}
