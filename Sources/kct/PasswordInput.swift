import Foundation

/// Reads a password: one line of standard input with `--password-stdin` (for scripts), else
/// from the terminal with echo turned off.
enum PasswordInput {
    static func read(fromStandardInput: Bool, prompt: String = "Password: ") throws -> String {
        if fromStandardInput {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CLIError("--password-stdin: no password on standard input")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIError("no terminal to ask for the password on: give it on standard input with --password-stdin")
        }
        guard let line = try promptWithoutEcho(prompt), !line.isEmpty else { throw CLIError("no password given") }
        return line
    }

    /// Asks on standard error and reads one line from the terminal with echo off, restoring the
    /// terminal's settings after; nil when the terminal closed first.
    static func promptWithoutEcho(_ prompt: String) throws -> String? {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw CLIError("cannot read the terminal's settings: \(String(cString: strerror(errno)))")
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        FileHandle.standardError.write(Data(prompt.utf8))
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent) == 0 else {
            throw CLIError("cannot turn off the terminal's echo: \(String(cString: strerror(errno)))")
        }
        let line = readLine(strippingNewline: true)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        FileHandle.standardError.write(Data("\n".utf8))
        return line
    }
}
