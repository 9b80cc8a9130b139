import ArgumentParser
import Foundation
import Store

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Directory holding the replica (env KCT_DATA_DIR; default $XDG_DATA_HOME/kct or ~/.local/share/kct).",
        valueName: "path"))
    var dataDir: String?

    @Flag(name: .long, help: "Print JSON (snake_case field names, money as decimal strings) instead of tables.")
    var json = false

    var resolvedDataDir: String {
        let environment = ProcessInfo.processInfo.environment
        if let dataDir, !dataDir.isEmpty { return dataDir }
        if let fromEnvironment = environment["KCT_DATA_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return (xdg as NSString).appendingPathComponent("kct") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/kct")
    }

    func openStore() throws -> OrderStore { try OrderStore.open(directory: resolvedDataDir) }
}

/// Who makes an edit. Until staff accounts exist: --by, else KCT_USER, else the OS user.
struct AuthorOptions: ParsableArguments {
    @Option(name: .customLong("by"), help: ArgumentHelp("Who makes the change (default: $KCT_USER, else the OS user).", valueName: "name"))
    var author: String?

    var resolved: String {
        if let author = author?.trimmingCharacters(in: .whitespaces), !author.isEmpty { return author }
        if let user = ProcessInfo.processInfo.environment["KCT_USER"]?.trimmingCharacters(in: .whitespaces), !user.isEmpty { return user }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid-\(geteuid())"
    }

    func validate() throws {
        if let author, author.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--by needs a name")
        }
        if let author, author.count > 255 { throw ValidationError("--by is longer than 255 characters") }
    }
}
