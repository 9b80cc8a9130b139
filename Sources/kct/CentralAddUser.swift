import ArgumentParser
import Central
import SyncCore

struct CentralAddUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-user",
        abstract: "Create a staff account (its password is stored only as a scrypt hash).",
        discussion: """
            The password is asked twice on the terminal without echo, or read from the first line \
            of standard input with --password-stdin. Nodes get the account (hash only) from GET /v1/accounts.
            """)

    @OptionGroup var database: CentralDatabaseOption
    @OptionGroup var account: CentralAccountOption

    @Option(help: ArgumentHelp("The person's name as staff see it.", valueName: "name"))
    var name: String

    @Option(
        help: ArgumentHelp(
            "What the account may do: admin, manager, processor or viewer (protocol/PERMISSIONS.md).", valueName: "role"
        ),
        transform: RoleArgument.parse)
    var role: StaffRole

    @OptionGroup var password: CentralPasswordOptions

    func validate() throws {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name needs a name") }
    }

    func run() throws {
        let store = try CentralStore.open(at: database.location)
        let created = try store.addAccount(
            email: account.email, name: name, role: role, password: try password.read(), by: CentralOperator.name)
        Output.note(
            "created \(created.role.rawValue) account \(created.email) (\(created.name)); account version "
                + "\(created.version)"
        )
    }
}
