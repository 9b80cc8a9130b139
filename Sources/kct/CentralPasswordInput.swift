import ArgumentParser
import Foundation

/// How an account command gets a new password: one line of standard input
/// (`--password-stdin`, for scripts), or asked twice on the terminal without echo.
struct CentralPasswordOptions: ParsableArguments {
    @Flag(help: "Read the password from the first line of standard input instead of asking on the terminal.")
    var passwordStdin = false

    func read() throws -> String {
        if passwordStdin {
            guard let line = Swift.readLine(strippingNewline: true) else {
                throw CLIError("--password-stdin: standard input ended before a password line")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIError("no terminal to ask for the password on; pipe it in with --password-stdin")
        }
        let first = try Self.prompt("New password: ")
        let second = try Self.prompt("Repeat the password: ")
        guard first == second else { throw CLIError("the two passwords differ; nothing changed") }
        return first
    }

    static func prompt(_ text: String) throws -> String {
        guard let line = try PasswordInput.promptWithoutEcho(text) else {
            throw CLIError("the terminal closed before a password was entered")
        }
        return line
    }
}
