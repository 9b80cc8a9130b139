import ArgumentParser
import Central
import Foundation
import SyncCore

/// The account a `kct central` account command works on.
struct CentralAccountOption: ParsableArguments {
    @Option(help: ArgumentHelp("The account's e-mail address (case does not matter).", valueName: "email"))
    var email: String

    func validate() throws {
        do {
            _ = try CentralStore.normalizedEmail(email)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Who ran an account command, for the audit trail: the OS user at central.
enum CentralOperator {
    static var name: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid-\(geteuid())"
    }
}
