import ArgumentParser

struct Email: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the customer one of the templated e-mails through central (SendGrid).",
        subcommands: [EmailSend.self])
}
