import ArgumentParser
import Central
import Foundation
import OrderDomain
import Store

@main
struct KCT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kct",
        abstract: "KCT Menswear orders, offline-first: a local replica on this workstation.",
        discussion: """
            Every edit is checked against the order rules, saved durably in the local replica and \
            queued in its outbox for sync, whether or not the network is up.
            Data lives in --data-dir (env KCT_DATA_DIR; default $XDG_DATA_HOME/kct or ~/.local/share/kct).
            Edits are made by the member of staff signed in with `kct login` and allowed by their role; \
            reading needs no sign-in.
            """,
        subcommands: [
            Init.self, Login.self, Logout.self, Whoami.self, Users.self, Orders.self, Exceptions.self, Queue.self,
            Stats.self, Report.self, Outbox.self, Conflicts.self, Join.self, Sync.self, NodeCommand.self,
            Central.self, Payments.self, Shipping.self, Email.self, Vacuum.self,
        ])

    /// Errors of this tool are one line on stderr and a non-zero exit code (see `ExitCodes`);
    /// usage errors keep swift-argument-parser's own message and help hint.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as StoreError {
            fail(error.description, code: ExitCodes.code(for: error))
        } catch let error as OrderValidationError {
            fail(error.description, code: ExitCodes.refused)
        } catch let error as CentralError {
            fail(error.description, code: error.exitCode)
        } catch let error as CLIError {
            fail(error.description, code: error.exitCode)
        } catch {
            // Help and version requests print as swift-argument-parser does; usage errors become
            // one line too, with its exit code (64).
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            fail(oneLine(message(for: error)), code: code.rawValue)
        }
    }

    /// Folds swift-argument-parser's multi-line messages (a bulleted list of valid values) into
    /// one line: "... one of the following: a, b, c".
    static func oneLine(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        let bullets = lines.filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
        let prose = lines.filter { !$0.hasPrefix("- ") }.joined(separator: " ")
        return bullets.isEmpty ? prose : prose + " " + bullets.joined(separator: ", ")
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("kct: error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

/// Exit codes: 0 success, 1 refused by a business rule, a role or bad input (also a failed
/// sign-in), 2 not found, 3 no replica (or not a replica), 4 replica already exists, 5 storage
/// failure, 6 sync failed, 7 nobody signed in (editing needs `kct login`), 64 usage error.
enum ExitCodes {
    static let refused: Int32 = 1
    static let notFound: Int32 = 2
    static let noReplica: Int32 = 3
    static let alreadyExists: Int32 = 4
    static let storage: Int32 = 5
    static let notSignedIn: Int32 = 7

    static func code(for error: StoreError) -> Int32 {
        switch error {
        case .missingReplica, .notAReplica: noReplica
        case .alreadyInitialised: alreadyExists
        case .orderNotFound, .itemNotFound, .exceptionNotFound, .ambiguousReference, .conflictNotFound: notFound
        case .invalid, .transition, .money, .conflictNotActionable, .syncRefused, .forbidden, .wrongShop, .accounts,
            .signInFailed, .signInThrottled:
            refused
        case .clock, .corruptValue, .database, .fileSystem, .unexpected: storage
        }
    }
}

/// Input errors found by the CLI itself (unreadable files, malformed item specs).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    var exitCode: Int32 = ExitCodes.refused

    init(_ description: String, exitCode: Int32 = ExitCodes.refused) {
        self.description = description
        self.exitCode = exitCode
    }
}
