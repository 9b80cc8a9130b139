import ArgumentParser
import Central

struct CentralListUsers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-users",
        abstract: "List staff accounts (never their password hashes).")

    @OptionGroup var database: CentralDatabaseOption

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct AccountJSON: Encodable {
        let email: String
        let name: String
        let role: String
        let disabled: Bool
        let version: Int64
        let createdAt: String
        let updatedAt: String

        enum CodingKeys: String, CodingKey {
            case email, name, role, disabled, version, createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    func run() throws {
        let accounts = try CentralStore.open(at: database.location).accounts()
        if json {
            try Output.json(
                accounts.map {
                    AccountJSON(
                        email: $0.email, name: $0.name, role: $0.role.rawValue, disabled: $0.disabled,
                        version: $0.version,
                        createdAt: $0.createdAt ?? "", updatedAt: $0.updatedAt)
                })
        } else {
            print(
                Output.table(
                    ["EMAIL", "NAME", "ROLE", "STATE", "UPDATED"],
                    accounts.map {
                        [
                            $0.email, $0.name, $0.role.rawValue, $0.disabled ? "disabled" : "active",
                            Output.time($0.updatedAt),
                        ]
                    }))
        }
    }
}
